"""Command line of the referral channel: ``sync``, ``org-key`` and ``intake ...`` (CMM's side).

Passphrases come from the terminal or one line of standard input, never from arguments. CMM uses
one passphrase for its secret key file and its intake store. Exit codes: fieldapp.errors.ExitCode
(documented in docs/referral-packet.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fieldapp.cli_support import add_vault_args, guarded, read_secret, unlocked
from fieldapp.cmm.limits import Limits
from fieldapp.errors import ExitCode, FieldappError, InvalidInput
from fieldapp.i18n import _
from fieldapp.security.passphrase import strength


def register(subparsers) -> None:
    """Add ``sync``, ``org-key`` and ``intake`` to a parser's sub-parsers."""
    sync = subparsers.add_parser("sync", help=_("deliver queued referral packets to CMM"))
    add_vault_args(sync)
    sync.add_argument("--to-folder", type=Path, metavar="DIR", help=_("write the packets to this folder instead"))
    sync.set_defaults(handler=cmd_sync)

    org_key = subparsers.add_parser("org-key", help=_("export the organisation's public signing key for CMM"))
    add_vault_args(org_key)
    org_key.add_argument("--out", type=Path, required=True, metavar="FILE", help=_("the key file to write"))
    org_key.set_defaults(handler=cmd_org_key)

    intake = subparsers.add_parser("intake", help=_("CMM's side: keys, registering NGOs, receiving, the table"))
    _intake_commands(intake.add_subparsers(dest="intake_command", metavar="COMMAND", required=True))


def _store_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, required=True, metavar="PATH", help=_("CMM's intake store"))


def _key_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", type=Path, metavar="FILE",
                        help=_("CMM's secret key file (default: cmm-secret.key beside the store)"))


def _limit_args(serve: argparse.ArgumentParser) -> None:
    """The server's limits that a desk may need to change (docs/cmm/https.md describes them all)."""
    serve.add_argument("--max-connections", type=int, default=Limits.max_connections, metavar="N",
                       help=_("connections open at once, in all (default: {n})").format(n=Limits.max_connections))
    serve.add_argument("--max-connections-per-client", type=int, default=Limits.max_connections_per_client,
                       metavar="N", help=_("connections open at once from one address; 0: no such cap (default: {n})")
                       .format(n=Limits.max_connections_per_client))
    serve.add_argument("--request-timeout", type=float, default=Limits.request_timeout, metavar="SECONDS",
                       help=_("time for a whole request to arrive (default: {n})").format(n=Limits.request_timeout))
    serve.add_argument("--refusal-limit", type=int, default=Limits.refusal_limit, metavar="N",
                       help=_("refusals of unreadable packets from one address per minute before it must wait; "
                              "0: no limit (default: {n})").format(n=Limits.refusal_limit))
    serve.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS",
                       help=_("a reverse proxy whose X-Forwarded-For header names the client (repeatable)"))


def _intake_commands(sub) -> None:
    keygen = sub.add_parser("keygen", help=_("create CMM's key pair"))
    keygen.add_argument("--out", type=Path, required=True, metavar="DIR")
    keygen.set_defaults(handler=cmd_keygen)

    reg = sub.add_parser("register", help=_("trust an organisation's signing key"))
    _store_arg(reg)
    reg.add_argument("--org-key", type=Path, required=True, metavar="FILE")
    reg.set_defaults(handler=cmd_register)

    receive = sub.add_parser("receive", help=_("receive packets from a folder"))
    _store_arg(receive)
    _key_arg(receive)
    receive.add_argument("--from", dest="source", type=Path, required=True, metavar="DIR")
    receive.add_argument("--receipts", type=Path, metavar="DIR",
                         help=_("where to write receipts (default: DIR/receipts)"))
    receive.set_defaults(handler=cmd_receive)

    serve = sub.add_parser("serve", help=_("receive packets over HTTPS"))
    _store_arg(serve)
    _key_arg(serve)
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--tls-cert", type=Path, metavar="FILE", help=_("default: cmm-tls.crt beside the store"))
    serve.add_argument("--tls-key", type=Path, metavar="FILE", help=_("default: cmm-tls.key beside the store"))
    _limit_args(serve)
    serve.set_defaults(handler=cmd_serve)

    figures = sub.add_parser("figures", help=_("open an organisation's sealed figures (.cmmagg) and print them"))
    _store_arg(figures)
    _key_arg(figures)
    figures.add_argument("--file", type=Path, required=True, metavar="FILE")
    figures.set_defaults(handler=cmd_figures)

    table = sub.add_parser("table", help=_("the national table of received referrals"))
    _store_arg(table)
    table.add_argument("--csv", type=Path, required=True, metavar="FILE")
    table.add_argument("--period", default="", help=_("only this year (YYYY) or month (YYYY-MM)"))
    table.set_defaults(handler=cmd_table)


# -- the NGO's side --------------------------------------------------------------------------------

@guarded
def cmd_sync(args) -> int:
    from fieldapp.referral.sync import sync

    with unlocked(args) as session:
        report = sync(session, progress=None, to_folder=args.to_folder)
    for line in report.lines():
        print(line)
    return ExitCode.IO_ERROR if report.failed else ExitCode.OK


@guarded
def cmd_org_key(args) -> int:
    from fieldapp.referral import config
    from fieldapp.storage.atomic import write_atomic

    with unlocked(args) as session:
        fingerprint = config.ensure_org_key(session)
        write_atomic(args.out, config.export_org_key(session), mode=0o644)
    print(_("Organisation key written to {path}").format(path=args.out))
    print(_("Fingerprint (read it to CMM by phone): {fingerprint}").format(fingerprint=fingerprint))
    return ExitCode.OK


# -- CMM's side ------------------------------------------------------------------------------------

@guarded
def cmd_keygen(args) -> int:
    from fieldapp.cmm import intake

    passphrase = read_secret(_("New passphrase for CMM's secret key: "), confirm=True)
    verdict = strength(passphrase)
    if not verdict.acceptable:
        raise InvalidInput(_("The passphrase is too weak ({label}). {advice}").format(
            label=verdict.label, advice=verdict.advice))
    public = intake.keygen(args.out, passphrase)
    print(_("Key files written to {path}: {public} (give to NGOs) and {secret} (keep secret)").format(
        path=args.out, public=intake.PUBLIC_FILE, secret=intake.SECRET_FILE))
    print(_("Fingerprint: {fingerprint}").format(fingerprint=public.fingerprint))
    return ExitCode.OK


def _open_store(path: Path, passphrase: str, *, create: bool = False):
    from fieldapp.cmm import store as intake_store
    from fieldapp.referral.errors import IntakeStoreMissing

    if not path.exists():
        if not create:
            raise IntakeStoreMissing()
        print(_("Creating a new intake store: {path}").format(path=path), file=sys.stderr)
        return intake_store.create(path, passphrase)
    return intake_store.open_store(path, passphrase)


@guarded
def cmd_register(args) -> int:
    from fieldapp.cmm import intake
    from fieldapp.cmm import store as intake_store
    from fieldapp.protocol.errors import BadKeyFile

    try:
        raw = args.org_key.read_bytes()
    except OSError as exc:
        raise BadKeyFile() from exc
    conn = _open_store(args.store, read_secret(_("Passphrase: "), confirm=not args.store.exists()), create=True)
    try:
        org, name, fingerprint, new = intake.register(conn, raw)
    finally:
        intake_store.close(conn)
    print((_("Registered {name} ({org})") if new else _("Already registered: {name} ({org})")).format(
        name=name or "-", org=org))
    print(_("Fingerprint (check it with the organisation by phone): {fingerprint}").format(fingerprint=fingerprint))
    return ExitCode.OK


def _intake_session(args):
    from fieldapp.cmm import intake

    passphrase = read_secret(_("Passphrase: "))
    secret = intake.load_secret(args.key or args.store.parent / intake.SECRET_FILE, passphrase)
    conn = _open_store(args.store, passphrase)
    return conn, intake.Intake(conn, secret)


@guarded
def cmd_receive(args) -> int:
    from fieldapp.cmm import store as intake_store
    from fieldapp.cmm.folder import receive_folder

    if not args.source.is_dir():
        raise InvalidInput(_("The folder {path} does not exist.").format(path=args.source))
    conn, intake = _intake_session(args)
    try:
        results = receive_folder(intake, args.source, args.receipts)
    finally:
        intake_store.close(conn)
    refused = 0
    for result in results:
        if result.accepted:
            print(_("accepted  {source}").format(source=result.source))
        else:
            refused += result.reason_code != "duplicate"
            print(_("rejected  {source}: {reason}").format(source=result.source, reason=result.reason))
    accepted = sum(r.accepted for r in results)
    print(_("{accepted} accepted, {rejected} rejected").format(accepted=accepted, rejected=len(results) - accepted))
    return ExitCode.INVALID_INPUT if refused else ExitCode.OK


@guarded
def cmd_figures(args) -> int:
    from fieldapp.cmm import store as intake_store
    from fieldapp.cmm.figures import as_text, open_aggregate
    from fieldapp.protocol.crypto import Rejected

    if not args.file.is_file():
        raise InvalidInput(_("The file {path} does not exist.").format(path=args.file))
    conn, intake = _intake_session(args)
    try:
        content = open_aggregate(args.file.read_bytes(), intake.secret, intake.lookup)
    except Rejected as refusal:
        print(_("rejected  {source}: {reason}").format(source=args.file.name, reason=refusal.message),
              file=sys.stderr)
        return ExitCode.INVALID_INPUT
    finally:
        intake_store.close(conn)
    print(as_text(content))
    return ExitCode.OK


def _server_module():
    try:
        from fieldapp.cmm import server
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "hypercorn":
            raise
        raise FieldappError(_("CMM's HTTPS intake needs the hypercorn package, which is not installed here. "
                              "Install fieldapp with its cmm extra: pip install 'fieldapp[cmm]'")) from exc
    return server


def _limits(args) -> dict:
    limits = {"max_connections": args.max_connections, "max_connections_per_client": args.max_connections_per_client,
              "request_timeout": args.request_timeout, "refusal_limit": args.refusal_limit,
              "trusted_proxies": frozenset(args.trusted_proxy)}
    try:
        Limits(**limits)
    except ValueError as exc:
        raise InvalidInput(_("The server's limits must be positive numbers, and each trusted proxy an IP "
                             "address.")) from exc
    return limits


@guarded
def cmd_serve(args) -> int:
    import ssl

    from fieldapp.cmm import store as intake_store

    server = _server_module()
    limits = _limits(args)
    cert = args.tls_cert or args.store.parent / "cmm-tls.crt"
    key = args.tls_key or args.store.parent / "cmm-tls.key"
    if not cert.is_file() or not key.is_file():
        raise InvalidInput(_("The TLS certificate or its key is missing (see docs/referral-packet.md)."))
    try:
        server.tls_context(cert, key)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise InvalidInput(_("The TLS certificate or its key could not be read (see docs/cmm/https.md).")) from exc

    def announce(receiver) -> None:
        print(_("Receiving on https://{host}:{port}/packets").format(host=args.host, port=receiver.port), flush=True)
        print(_("Certificate SHA-256 (NGOs pin this): {pin}").format(pin=server.certificate_fingerprint(cert)),
              flush=True)

    conn, intake = _intake_session(args)
    try:
        server.serve(intake, args.host, args.port, cert, key, ready=announce, **limits)
    except OSError as exc:           # serving itself handles its peers' errors: this is the address
        raise InvalidInput(_("The server cannot listen on {host} port {port} ({error}).").format(
            host=args.host, port=args.port, error=exc.strerror or type(exc).__name__)) from exc
    finally:
        intake_store.close(conn)
    print(_("Stopped."), file=sys.stderr)
    return ExitCode.OK


@guarded
def cmd_table(args) -> int:
    from fieldapp.cmm import store as intake_store
    from fieldapp.cmm import table

    conn = _open_store(args.store, read_secret(_("Passphrase: ")))
    try:
        rows = table.write_csv(conn, args.csv, args.period)
        print(table.text_table(conn, args.period), end="")
    finally:
        intake_store.close(conn)
    print(_("{count} rows written to {path}").format(count=rows, path=args.csv))
    return ExitCode.OK
