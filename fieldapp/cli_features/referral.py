"""Command line of the referral channel: ``sync``, ``org-key`` and ``intake ...`` (CMM's side).

Passphrases come from the terminal or one line of standard input, never from arguments. At CMM each
staff member unlocks the intake store with their own name and passphrase (``cmm.staff``); the staff
commands are in ``cmm_desk``. Exit codes: fieldapp.errors.ExitCode
(documented in docs/referral-packet.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fieldapp.cli_features import cmm_desk
from fieldapp.cli_support import add_vault_args, confirmed, guarded, read_secret, unlocked
from fieldapp.cmm.limits import Limits
from fieldapp.cmm.staff import ADMIN
from fieldapp.errors import ExitCode, FieldappError, InvalidInput
from fieldapp.i18n import _
from fieldapp.security.passphrase import strength
from fieldapp.storage.untrusted_dir import printable

ENV_DB = "FIELDAPP_INTAKE_DB"


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
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--store", type=Path, metavar="PATH", help=_("CMM's intake store file (one desk)"))
    where.add_argument("--db", metavar="URL", help=_("a PostgreSQL intake database that several desks share, "
                                                     "postgresql://user@host/database (default: {env})").format(
                                                         env=ENV_DB))
    parser.add_argument("--user", metavar="NAME",
                        help=_("your staff name in the intake store (default: every account is tried)"))


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
    table.add_argument("--work-csv", type=Path, metavar="FILE",
                       help=_("also the referrals by industry of the work and by form of forced crime, as CSV"))
    table.set_defaults(handler=cmd_table)

    _key_commands(sub)
    cmm_desk.register(sub, _store_arg)


def _key_commands(sub) -> None:
    """Which organisation keys CMM trusts: list, revoke, and a rotated key."""
    orgs = sub.add_parser("orgs", help=_("list the registered organisation keys and whether they are revoked"))
    _store_arg(orgs)
    orgs.set_defaults(handler=cmd_orgs)

    revoke = sub.add_parser("revoke", help=_("refuse every packet signed with an organisation's key from now on"))
    _store_arg(revoke)
    revoke.add_argument("--org", required=True, metavar="ORGID", help=_("the key's id, as `intake orgs` lists it"))
    revoke.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    revoke.set_defaults(handler=cmd_revoke)

    rotated = sub.add_parser("register-rotation",
                             help=_("trust an organisation's new key from its rotation statement, and revoke the old"))
    _store_arg(rotated)
    rotated.add_argument("--statement", type=Path, required=True, metavar="FILE")
    rotated.add_argument("--fingerprint", required=True,
                         help=_("the new key's fingerprint as the organisation read it out by phone"))
    rotated.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    rotated.set_defaults(handler=cmd_register_rotation)


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


def _location(args) -> Path | str:
    """``--store``, else ``--db``, else $FIELDAPP_INTAKE_DB."""
    from fieldapp.cmm import store as intake_store

    if args.store is not None:
        return args.store
    url = args.db or os.environ.get(ENV_DB, "")
    if not url:
        raise InvalidInput(_("Name the intake store: --store PATH for a file, or --db URL (or {env}) for a "
                             "PostgreSQL database.").format(env=ENV_DB))
    if not intake_store.is_database(url):
        raise InvalidInput(_("A database URL starts with postgresql://."))
    return url


def _beside_store(args, given: Path | None, option: str, name: str) -> Path:
    """A file named on the command line, or by default the one called ``name`` beside a store file."""
    if given is not None:
        return given
    if args.store is None:
        raise InvalidInput(_("With a database, name the file with {option}.").format(option=option))
    return args.store.parent / name


def _open_store(location: Path | str, passphrase: str, *, user: str | None = None, create: bool = False):
    from fieldapp.cmm import store as intake_store

    if create:
        _say_creating(location)
        return intake_store.create(location, passphrase, user=user)
    conn = intake_store.open_store(location, passphrase, user)
    for notice in conn.notices:
        print(_("Warning: {notice}").format(notice=notice), file=sys.stderr)
    return conn


def open_for(args, *, role: str | None = None):
    """The store named by ``--store``/``--db``, unlocked by ``--user`` (or any account) with the passphrase
    asked for; ``role`` (an admin's command) is checked before anything is done."""
    conn = _open_store(_location(args), read_secret(_("Passphrase: ")), user=args.user)
    if role is not None:
        try:
            conn.desk.require(role)
        except BaseException:
            conn.close()
            raise
    return conn


def _say_creating(location: Path | str) -> None:
    from fieldapp.cmm import store as intake_store

    if intake_store.is_database(location):      # never the URL: it may hold a password
        print(_("Creating a new intake store in the database."), file=sys.stderr)
    else:
        print(_("Creating a new intake store: {path}").format(path=location), file=sys.stderr)


@guarded
def cmd_register(args) -> int:
    from fieldapp.cmm import intake
    from fieldapp.cmm import store as intake_store
    from fieldapp.protocol.crypto import MAX_PACKET_BYTES
    from fieldapp.protocol.errors import BadKeyFile
    from fieldapp.storage.atomic import read_untrusted

    try:
        raw = read_untrusted(args.org_key, MAX_PACKET_BYTES)
    except OSError as exc:              # missing, a link, a pipe, a device, or far too large for a key file
        raise BadKeyFile() from exc
    location = _location(args)
    new_store = not intake_store.exists(location)
    conn = _open_store(location, read_secret(_("Passphrase: "), confirm=new_store), user=args.user, create=new_store)
    try:
        conn.desk.require(ADMIN)
        org, name, fingerprint, new = intake.register(conn, raw)
    finally:
        intake_store.close(conn)
    print((_("Registered {name} ({org})") if new else _("Already registered: {name} ({org})")).format(
        name=printable(name) if name else "-", org=org))
    print(_("Fingerprint (check it with the organisation by phone): {fingerprint}").format(fingerprint=fingerprint))
    return ExitCode.OK


def _intake_session(args):
    """The store and an ``Intake`` with CMM's secret: kept in the store for operators and admins, or
    else read from the secret key file (``--key``) and, when an admin opens it, kept in the store from
    then on."""
    from fieldapp.cmm import intake

    passphrase = read_secret(_("Passphrase: "))
    conn = _open_store(_location(args), passphrase, user=args.user)
    try:
        return conn, intake.Intake(conn, _cmm_secret(args, conn, passphrase))
    except BaseException:
        conn.close()
        raise


def _cmm_secret(args, conn, passphrase: str):
    from fieldapp.cmm import accounts, intake, staff
    from fieldapp.protocol.crypto import CmmSecret
    from fieldapp.protocol.errors import WrongCmmPassphrase

    desk = conn.desk
    if staff.INTAKE in desk.keys:
        return CmmSecret(bytes(desk.keys[staff.INTAKE]))
    if desk.role == staff.CASEWORKER:
        desk.key(staff.INTAKE)                 # says which role may
    key = _beside_store(args, args.key, "--key", intake.SECRET_FILE)
    try:
        secret = intake.load_secret(key, passphrase)
    except WrongCmmPassphrase:
        secret = intake.load_secret(key, read_secret(_("Passphrase of CMM's secret key file: ")))
    if desk.role == staff.ADMIN:
        accounts.adopt_intake_seed(conn, secret.seed)
        print(_("CMM's secret key is now kept in the intake store for its operators and admins; the key "
                "file is no longer needed here. Keep it in the safe as a copy."), file=sys.stderr)
    return secret


@guarded
def cmd_receive(args) -> int:
    from fieldapp.cmm import store as intake_store
    from fieldapp.cmm.folder import receive_folder
    from fieldapp.storage.untrusted_dir import MAX_ENTRIES, UntrustedFolder

    if not args.source.is_dir():
        raise InvalidInput(_("The folder {path} does not exist.").format(path=printable(args.source)))
    with UntrustedFolder.open(args.source):         # a linked folder is refused before the passphrase is asked
        pass
    conn, intake = _intake_session(args)
    try:
        results = receive_folder(intake, args.source, args.receipts)
    finally:
        intake_store.close(conn)
    refused = 0
    for result in results:
        if result.accepted:
            print(_("accepted  {source}").format(source=printable(result.source)))
        else:
            refused += result.reason_code != "duplicate"
            print(_("rejected  {source}: {reason}").format(source=printable(result.source), reason=result.reason))
    for packet_id in results.unwritten:
        print(_("No receipt could be written for packet {id}; it is written when the packet is received "
                "again.").format(id=packet_id), file=sys.stderr)
    accepted = sum(r.accepted for r in results)
    print(_("{accepted} accepted, {rejected} rejected").format(accepted=accepted, rejected=len(results) - accepted))
    if results.more:
        print(_("The folder holds more than {count} packet files; only the first were received. Move the "
                "received packets elsewhere and run again.").format(count=MAX_ENTRIES), file=sys.stderr)
    return (ExitCode.INVALID_INPUT if refused else
            ExitCode.IO_ERROR if results.unwritten or results.more else ExitCode.OK)


@guarded
def cmd_figures(args) -> int:
    from fieldapp.cmm import store as intake_store
    from fieldapp.cmm.figures import as_text, open_aggregate
    from fieldapp.protocol.crypto import MAX_PACKET_BYTES, Rejected
    from fieldapp.storage.atomic import TooLarge, read_untrusted

    shown = printable(args.file)
    try:
        data = read_untrusted(args.file, MAX_PACKET_BYTES)
    except FileNotFoundError as exc:
        raise InvalidInput(_("The file {path} does not exist.").format(path=shown)) from exc
    except TooLarge as exc:
        raise InvalidInput(_("The file {path} is too large to be sealed figures. Nothing was read.").format(
            path=shown)) from exc
    except OSError as exc:
        raise InvalidInput(_("The file {path} is not a plain file (a link, a folder, a device or a pipe), or it "
                             "cannot be read. Nothing was read.").format(path=shown)) from exc
    conn, intake = _intake_session(args)
    try:
        content = open_aggregate(data, intake.secret, intake.lookup)
    except Rejected as refusal:
        print(_("rejected  {source}: {reason}").format(source=printable(args.file.name), reason=refusal.message),
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
    cert = _beside_store(args, args.tls_cert, "--tls-cert", "cmm-tls.crt")
    key = _beside_store(args, args.tls_key, "--tls-key", "cmm-tls.key")
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

    conn = open_for(args)
    try:
        rows = table.write_csv(conn, args.csv, args.period, args.work_csv)
        print(table.text_table(conn, args.period), end="")
    finally:
        intake_store.close(conn)
    print(_("{count} rows written to {path}").format(count=rows, path=args.csv))
    return ExitCode.OK


@guarded
def cmd_orgs(args) -> int:
    from fieldapp.cmm import store as intake_store

    conn = open_for(args)
    try:
        rows = intake_store.org_rows(conn)
    finally:
        intake_store.close(conn)
    for row in rows:
        state = (_("revoked {when}").format(when=row.revoked_at) if row.revoked_at else _("trusted"))
        if row.replaced_by:
            state += " " + _("(replaced by {org})").format(org=row.replaced_by)
        print(f"{row.org}  {printable(row.name)}  {state}")
    return ExitCode.OK


@guarded
def cmd_revoke(args) -> int:
    from fieldapp.cmm import intake
    from fieldapp.cmm import store as intake_store
    from fieldapp.cmm.errors import UnknownOrg
    from fieldapp.protocol import crypto

    conn = open_for(args, role=ADMIN)
    try:
        found, name = intake_store.org_key(conn, args.org), intake_store.org_name(conn, args.org)
        if found is None:
            raise UnknownOrg()
        print(_("Key {org} of {name}, fingerprint {fingerprint}").format(
            org=args.org, name=printable(name or ""), fingerprint=crypto.fingerprint(found[0])))
        if not args.yes and not confirmed(_("Refuse every packet signed with this key from now on? "
                                             "Type yes to confirm: ")):
            print(_("Nothing was changed."))
            return ExitCode.FAILURE
        changed = intake.revoke(conn, args.org)
    finally:
        intake_store.close(conn)
    print(_("Revoked. Packets signed with this key are refused from now on.") if changed else
          _("This key was revoked already."))
    return ExitCode.OK


@guarded
def cmd_register_rotation(args) -> int:
    from fieldapp.cmm import intake
    from fieldapp.cmm import store as intake_store
    from fieldapp.cmm.errors import UnknownOrg
    from fieldapp.protocol import crypto, rotation
    from fieldapp.protocol.errors import BadKeyFile
    from fieldapp.protocol.rotation import MAX_BYTES
    from fieldapp.storage.atomic import read_untrusted

    try:
        raw = read_untrusted(args.statement, MAX_BYTES)
    except OSError as exc:
        raise BadKeyFile() from exc
    claimed = rotation.read(raw)
    conn = open_for(args, role=ADMIN)
    try:
        name, old = intake_store.org_name(conn, claimed.old_key_id), intake_store.org_key(conn, claimed.old_key_id)
        if name is None or old is None:
            raise UnknownOrg()
        print(_("{name}: the key {old} (fingerprint {fingerprint}) is to be replaced.").format(
            name=printable(name), old=claimed.old_key_id, fingerprint=crypto.fingerprint(old[0])))
        if not args.yes and not confirmed(_("Did you call this organisation on a number you already had, and "
                                             "did they read out the new fingerprint? Type yes to confirm: ")):
            print(_("Nothing was changed."))
            return ExitCode.FAILURE
        statement = intake.register_rotation(conn, raw, args.fingerprint)
    finally:
        intake_store.close(conn)
    print(_("New key {new} registered; the old key {old} is revoked.").format(
        new=statement.new_key_id, old=statement.old_key_id))
    print(_("Fingerprint: {fingerprint}").format(fingerprint=statement.new_fingerprint))
    return ExitCode.OK

