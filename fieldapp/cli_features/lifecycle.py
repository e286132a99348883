"""Command-line sub-commands for users, audit, backup/restore, retention and panic wipe.

Passphrases are read from standard input, one per line, in the order the command asks for them.
"""

from __future__ import annotations

from pathlib import Path

from fieldapp.cli_support import add_vault_args, guarded, read_secret, unlocked, vault_path
from fieldapp.domain.codes import ROLES
from fieldapp.errors import ExitCode, IntegrityError, InvalidInput, VaultMissing
from fieldapp.i18n import _
from fieldapp.lifecycle import members


def register(sub) -> None:
    _register_users(sub)
    audit = sub.add_parser("audit", help=_("check the audit trail")).add_subparsers(dest="audit_cmd", required=True)
    verify = audit.add_parser("verify", help=_("detect edited or removed audit events"))
    add_vault_args(verify)
    verify.set_defaults(handler=cmd_audit_verify)
    backup = sub.add_parser("backup", help=_("write a verified, encrypted backup to a folder"))
    add_vault_args(backup)
    backup.add_argument("--out", required=True, metavar="DIR", help=_("the backup folder"))
    backup.set_defaults(handler=cmd_backup)
    restore = sub.add_parser("restore", help=_("restore a backup as a vault"))
    restore.add_argument("--from", dest="source", required=True, metavar="FILE", help=_("the backup file"))
    add_vault_args(restore)
    restore.add_argument("--recovery-key", action="store_true", help=_("read the recovery key instead"))
    restore.set_defaults(handler=cmd_restore)
    _register_retention(sub)
    wipe = sub.add_parser("wipe", help=_("destroy the vault and its keys, beyond recovery"))
    wipe.add_argument("--vault", required=True, metavar="PATH", help=_("the vault file"))
    wipe.add_argument("--yes", action="store_true", help=_("confirm that everything is to be destroyed"))
    wipe.set_defaults(handler=cmd_wipe)


def _register_users(sub) -> None:
    users = sub.add_parser("user", help=_("manage users")).add_subparsers(dest="user_cmd", required=True)
    add = users.add_parser("add", help=_("add a user (admin passphrase, then the new passphrase, on stdin)"))
    add_vault_args(add)
    add.add_argument("--name", required=True, help=_("the new user's name"))
    add.add_argument("--role", required=True, choices=sorted(ROLES), help=_("the new user's role"))
    add.set_defaults(handler=cmd_user_add)
    listing = users.add_parser("list", help=_("list users"))
    add_vault_args(listing)
    listing.set_defaults(handler=cmd_user_list)
    deactivate = users.add_parser("deactivate", help=_("stop a user from unlocking"))
    add_vault_args(deactivate)
    deactivate.add_argument("--name", required=True, help=_("the user to deactivate"))
    deactivate.set_defaults(handler=cmd_user_deactivate)


def _register_retention(sub) -> None:
    retention = sub.add_parser("retention", help=_("delete records past their retention period"))
    actions = retention.add_subparsers(dest="retention_cmd", required=True)
    for name, handler, text in (("preview", cmd_retention_preview, _("show what would be deleted")),
                                ("run", cmd_retention_run, _("delete it now"))):
        parser = actions.add_parser(name, help=text)
        add_vault_args(parser)
        parser.set_defaults(handler=handler)


@guarded
def cmd_user_add(args) -> int:
    from fieldapp.security import users

    admin_passphrase = read_secret(_("Your passphrase: "))
    new_passphrase = read_secret(_("New user's passphrase: "), confirm=True)
    session = members.unlock(vault_path(args), args.user, admin_passphrase)
    try:
        user = users.add(session, args.name, args.role, new_passphrase, admin_passphrase)
    finally:
        session.close()
    print(_("User added: {name} ({role})").format(name=user.name, role=user.role))
    return ExitCode.OK


@guarded
def cmd_user_list(args) -> int:
    from fieldapp.security import users

    with unlocked(args) as session:
        for user in users.list_all(session):
            state = _("active") if user.active else _("deactivated")
            print(f"{user.id}\t{user.name}\t{user.role}\t{state}")
    return ExitCode.OK


@guarded
def cmd_user_deactivate(args) -> int:
    from fieldapp.security import users

    with unlocked(args) as session:
        match = [u for u in users.list_all(session) if u.name.casefold() == args.name.strip().casefold()]
        if not match:
            raise InvalidInput(_("There is no such user."))
        statement = members.deactivate(session, match[0].id)
    print(_("User deactivated: {name}").format(name=match[0].name))
    if statement is not None:
        print(_("The organisation's referral signing key was replaced. Send this statement to CMM and confirm "
                "the new key's fingerprint with them by phone: {path}").format(path=statement))
    return ExitCode.OK


@guarded
def cmd_audit_verify(args) -> int:
    from fieldapp.security.audit import verify

    with unlocked(args) as session:
        report = verify(session)
    print(report.describe())
    return ExitCode.OK if report.ok else IntegrityError.exit_code


@guarded
def cmd_backup(args) -> int:
    from fieldapp.lifecycle.backup import backup_to

    with unlocked(args) as session:
        result = backup_to(session, Path(args.out).expanduser(),
                           lambda done, total, stage: print(f"[{done}/{total}] {stage}", flush=True))
    print(_("Backup written and verified: {path}").format(path=result.path))
    return ExitCode.OK


@guarded
def cmd_restore(args) -> int:
    from fieldapp.lifecycle.backup import restore

    source = Path(args.source).expanduser()
    if not source.exists():
        raise VaultMissing(_("The backup file was not found."))
    prompt = _("Recovery key: ") if args.recovery_key else _("Passphrase: ")
    restore(source, vault_path(args), read_secret(prompt), user_name=args.user, recovery=args.recovery_key)
    print(_("Backup restored to {path}").format(path=vault_path(args)))
    return ExitCode.OK


def _print_plan(plan) -> None:
    print(_("People with no contact since {date}: {count}").format(date=plan.people_cutoff, count=len(plan.people)))
    print(_("Visits before {date}: {count}").format(date=plan.visits_cutoff, count=len(plan.visits)))


@guarded
def cmd_retention_preview(args) -> int:
    from fieldapp.lifecycle import retention

    with unlocked(args) as session:
        _print_plan(retention.preview(session))
    return ExitCode.OK


@guarded
def cmd_retention_run(args) -> int:
    from fieldapp.lifecycle import retention

    with unlocked(args) as session:
        plan = retention.run(session)
    _print_plan(plan)
    print(_("Deleted."))
    return ExitCode.OK


@guarded
def cmd_wipe(args) -> int:
    from fieldapp.security.wipe import wipe_files

    if not args.yes:
        raise InvalidInput(_("Add --yes to confirm: the vault and its keys will be destroyed for good."))
    path = Path(args.vault).expanduser()
    if not path.exists():
        raise VaultMissing()
    wipe_files(path)   # even while another process has it open: a panic wipe does not wait
    print(_("The vault was destroyed."))
    return ExitCode.OK
