"""The fieldapp command line. Exit codes are listed in README.md and fieldapp.errors.ExitCode."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fieldapp import __version__, paths
from fieldapp.cli_support import guarded, read_secret, unlocked, vault_path
from fieldapp.domain.codes import ROLES
from fieldapp.errors import ExitCode, IntegrityError, InvalidInput, VaultExists
from fieldapp.i18n import _
from fieldapp.security import hardening
from fieldapp.security.passphrase import strength


def _add_vault_arg(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    parser.add_argument("--vault", required=required, metavar="PATH",
                        help=_("the vault file (default: $FIELDAPP_VAULT or the user data folder)"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldapp", description=_("fieldapp: outreach notebook and referrals"))
    parser.add_argument("--version", action="version", version=f"fieldapp {__version__}")
    _add_vault_arg(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = sub.add_parser("init", help=_("create a new vault"))
    _add_vault_arg(init, required=True)
    init.add_argument("--user", required=True, help=_("the first user's name"))
    init.add_argument("--role", default="admin", choices=sorted(ROLES), help=_("the first user's role"))
    init.set_defaults(handler=cmd_init)

    demo = sub.add_parser("demo", help=_("create (if missing) and open a demo vault with synthetic data"))
    _add_vault_arg(demo)
    demo.add_argument("--people", type=int, default=400, help=_("number of synthetic people"))
    demo.add_argument("--no-gui", action="store_true", help=_("only create the vault"))
    demo.set_defaults(handler=cmd_demo)

    check = sub.add_parser("check", help=_("unlock and run the integrity checks"))
    _add_vault_arg(check, required=True)
    check.add_argument("--user", help=_("user name (default: try every user)"))
    check.set_defaults(handler=cmd_check)

    upgrade = sub.add_parser("upgrade", help=_("upgrade a vault of an earlier version (administrators, once)"))
    _add_vault_arg(upgrade, required=True)
    upgrade.add_argument("--user", help=_("your user name (default: try every user)"))
    upgrade.set_defaults(handler=cmd_upgrade)

    recovery = sub.add_parser("recovery-key", help=_("make a new recovery key (administrators); the old one "
                                                      "stops working"))
    _add_vault_arg(recovery, required=True)
    recovery.add_argument("--user", help=_("your user name (default: try every user)"))
    recovery.set_defaults(handler=cmd_recovery_key)

    selftest = sub.add_parser("selftest", help=_("check that this installation works: a demo vault in a "
                                                  "temporary folder, a Thai leaflet, the window and an unlock"))
    selftest.add_argument("--window-only", action="store_true",
                          help=_("only open the window and close it again (to time a start)"))
    selftest.set_defaults(handler=cmd_selftest)

    desk = sub.add_parser("cmm-desk", help=_("CMM's side: open the desk window on an intake store"))
    where = desk.add_mutually_exclusive_group()
    where.add_argument("--store", metavar="PATH", help=_("CMM's intake store file (default: the one opened last)"))
    where.add_argument("--db", metavar="URL", help=_("a PostgreSQL intake database that several desks share "
                                                     "(default: $FIELDAPP_INTAKE_DB)"))
    desk.set_defaults(handler=cmd_cmm_desk)

    for register in _feature_commands():
        register(sub)
    return parser


def _feature_commands():
    """The sub-commands each feature package adds (leaflets, referrals, reports, lifecycle)."""
    from fieldapp import cli_features

    return cli_features.REGISTRARS


@guarded
def cmd_init(args) -> int:
    path = Path(args.vault).expanduser()
    if path.exists():
        raise VaultExists()
    passphrase = read_secret(_("New passphrase: "), confirm=True)
    verdict = strength(passphrase, (args.user,))
    if not verdict.acceptable:
        raise InvalidInput(_("The passphrase is too weak ({label}). {advice}").format(
            label=verdict.label, advice=verdict.advice))
    from fieldapp.security.vault import create_vault

    session, recovery_key = create_vault(path, args.user, args.role, passphrase)
    session.close()
    print(_("Vault created: {path}").format(path=path))
    print(_("Recovery key (shown once; print it and keep it in a safe place):"))
    print(recovery_key)
    return ExitCode.OK


@guarded
def cmd_demo(args) -> int:
    from fieldapp.demo.vault import DEMO_PASSPHRASE, DEMO_USER, create_demo_vault

    path = Path(args.vault).expanduser() if args.vault else paths.default_demo_vault()
    if args.people < 1:
        raise InvalidInput(_("--people must be at least 1."))
    if not path.exists():
        print(_("Creating a demo vault with {count} synthetic people ...").format(count=args.people))
        create_demo_vault(path, people=args.people).close(audit_lock=False)
    print(_("Demo vault: {path}").format(path=path))
    print(_("Demo user: {user}   Demo passphrase: {passphrase}").format(user=DEMO_USER, passphrase=DEMO_PASSPHRASE))
    if args.no_gui:
        return ExitCode.OK
    return _run_gui(path)


@guarded
def cmd_selftest(args) -> int:
    from fieldapp.ui import selftest

    if args.window_only:
        selftest.show_window()
        print(_("The window opened."))
        return ExitCode.OK
    problems = selftest.run(lambda line: print(_("ok: {step}").format(step=line), flush=True))
    for problem in problems:
        print(_("failed: {problem}").format(problem=problem), file=sys.stderr)
    if problems:
        return ExitCode.FAILURE
    print(_("This installation works."))
    return ExitCode.OK


@guarded
def cmd_check(args) -> int:
    from fieldapp.storage.connection import integrity_problems

    with unlocked(args) as session:
        problems = integrity_problems(session.conn, full=True)
    if problems:
        print(_("Integrity check failed:"), file=sys.stderr)
        for problem in problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        return IntegrityError.exit_code
    print(_("Integrity check passed."))
    return ExitCode.OK


@guarded
def cmd_upgrade(args) -> int:
    """Exit 13 for someone who is not an administrator, 9 when the vault is already up to date."""
    from fieldapp.security.vault import upgrade

    path = Path(args.vault).expanduser()
    session, recovery_key = upgrade(path, args.user, read_secret(_("Passphrase: ")))
    try:
        print(_("The vault was upgraded. The verified copy made first was destroyed once every record was in "
                "its new place."))
        _print_new_recovery_key(session, recovery_key)
    finally:
        session.close()
    return ExitCode.OK


def _print_new_recovery_key(session, recovery_key: str) -> None:
    from fieldapp.security.vault import confirm_recovery_key

    print(_("NEW recovery key (shown only now). Write it down or print it and store it in a safe, "
            "locked place away from this computer. The recovery key printed before no longer works: "
            "destroy it."))
    print(recovery_key, flush=True)
    confirm_recovery_key(session)


@guarded
def cmd_recovery_key(args) -> int:
    """A new recovery key (administrators); the one printed before stops working."""
    from fieldapp.lifecycle.members import unlock
    from fieldapp.security.vault import new_recovery_key

    passphrase = read_secret(_("Passphrase: "))
    session = unlock(vault_path(args), args.user, passphrase)
    try:
        _print_new_recovery_key(session, new_recovery_key(session, passphrase))
    finally:
        session.close()
    return ExitCode.OK


@guarded
def cmd_cmm_desk(args) -> int:
    from fieldapp.ui.desk.window import run_desk

    if args.db is not None and not args.db.startswith(("postgresql://", "postgres://")):
        raise InvalidInput(_("A database URL starts with postgresql://."))
    return run_desk(args.store or args.db or os.environ.get("FIELDAPP_INTAKE_DB", ""))


def _run_gui(path: Path) -> int:
    from fieldapp.ui.app import run_gui

    return run_gui(path)


def main(argv: list[str] | None = None) -> int:
    hardening.apply()
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        return _run_gui(vault_path(args))
    return int(handler(args))


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    raise SystemExit(main())
