"""Command line of CMM's desk: staff accounts (``intake staff add|list|remove``), reading a referral
(``intake read``, logged), answering the organisation (``intake reply``) and the log of who read which
(``intake audit``). See docs/cmm/staff.md."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from fieldapp.cli_support import confirmed, guarded, read_secret
from fieldapp.cmm.staff import ADMIN, ROLES
from fieldapp.domain.referral import ASSESSMENT_OUTCOMES, CONTACT_ROLES, REPLY_STATUSES
from fieldapp.errors import ExitCode, InvalidInput
from fieldapp.i18n import _, ngettext
from fieldapp.security.passphrase import strength
from fieldapp.storage.untrusted_dir import printable


def register(sub, store_arg) -> None:
    staff_cmd = sub.add_parser("staff", help=_("CMM's staff accounts in the intake store (admins)"))
    what = staff_cmd.add_subparsers(dest="staff_command", metavar="COMMAND", required=True)
    add = what.add_parser("add", help=_("give a staff member an account with their own passphrase"))
    store_arg(add)
    add.add_argument("--name", required=True, help=_("the new account's name"))
    add.add_argument("--role", required=True, choices=ROLES,
                     help=_("operator: receives packets; caseworker: reads referrals; admin: everything"))
    add.set_defaults(handler=cmd_staff_add)
    listing = what.add_parser("list", help=_("list the staff accounts and their roles"))
    store_arg(listing)
    listing.set_defaults(handler=cmd_staff_list)
    remove = what.add_parser("remove", help=_("remove an account and replace every key it held"))
    store_arg(remove)
    remove.add_argument("--name", required=True, help=_("the account to remove"))
    remove.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    remove.set_defaults(handler=cmd_staff_remove)

    read = sub.add_parser("read", help=_("show one referral (caseworkers and admins; each reading is logged)"))
    store_arg(read)
    read.add_argument("--packet", required=True, metavar="ID", help=_("the packet id"))
    read.set_defaults(handler=cmd_read)
    answer = sub.add_parser("reply", help=_("answer the organisation about a referral, sealed to its key (admins)"))
    store_arg(answer)
    answer.add_argument("--packet", required=True, metavar="ID", help=_("the packet id"))
    answer.add_argument("--status", required=True, choices=tuple(REPLY_STATUSES), help=_("what happened"))
    answer.add_argument("--from", dest="first", metavar="DATE", help=_("interview_booked: first day, YYYY-MM-DD"))
    answer.add_argument("--to", dest="last", metavar="DATE", help=_("interview_booked: last day, YYYY-MM-DD"))
    answer.add_argument("--assessment", choices=tuple(ASSESSMENT_OUTCOMES), default="",
                        help=_("assessed: the outcome"))
    answer.add_argument("--role", choices=tuple(CONTACT_ROLES), default="",
                        help=_("contact_person_assigned: the contact person's role (never a name)"))
    answer.add_argument("--out", type=Path, metavar="DIR",
                        help=_("the folder the organisation's sync reads (the replies folder on its stick); "
                               "without it the reply waits in the store for the organisation's HTTPS sync"))
    answer.set_defaults(handler=cmd_reply)
    audit = sub.add_parser("audit", help=_("who read which referral, each line checked (admins)"))
    store_arg(audit)
    audit.set_defaults(handler=cmd_audit)


def _open(args, role: str | None = None):
    from fieldapp.cli_features.referral import open_for

    return open_for(args, role=role)


def _new_passphrase(name: str) -> str:
    passphrase = read_secret(_("New passphrase for {name}: ").format(name=name), confirm=True)
    verdict = strength(passphrase)
    if not verdict.acceptable:
        raise InvalidInput(_("The passphrase is too weak ({label}). {advice}").format(
            label=verdict.label, advice=verdict.advice))
    return passphrase


@guarded
def cmd_staff_add(args) -> int:
    from fieldapp.cmm import accounts, staff

    conn = _open(args, ADMIN)
    try:
        name = staff.check_name(args.name)
        accounts.add_staff(conn, name, _new_passphrase(printable(name)), args.role)
    finally:
        conn.close()
    print(_("{name} can now unlock the intake store as {role}.").format(
        name=printable(name), role=staff.role_label(args.role)))
    return ExitCode.OK


@guarded
def cmd_staff_list(args) -> int:
    from fieldapp.cmm import accounts, staff

    conn = _open(args, ADMIN)
    try:
        roster = accounts.verified_roster(conn)
    finally:
        conn.close()
    for entry in sorted(roster.values(), key=lambda e: (e["removed_at"] is not None, e["name"].casefold())):
        state = (_("removed {when}").format(when=entry["removed_at"]) if entry["removed_at"] else
                 _("since {when}").format(when=entry["added_at"]))
        print(f"{printable(entry['name'])}  {staff.role_label(entry['role'])}  {state}")
    return ExitCode.OK


@guarded
def cmd_staff_remove(args) -> int:
    from fieldapp.cmm import accounts

    conn = _open(args, ADMIN)
    try:
        if not args.yes and not confirmed(_("Remove {name}'s account and replace the store's keys? Type yes "
                                            "to confirm: ").format(name=printable(args.name))):
            print(_("Nothing was changed."))
            return ExitCode.FAILURE
        accounts.remove_staff(conn, args.name)
    finally:
        conn.close()
    print(_("{name}'s account is removed. The store, case and admin keys were replaced; CMM's secret key was "
            "not (see docs/cmm/staff.md).").format(name=printable(args.name)))
    return ExitCode.OK


@guarded
def cmd_read(args) -> int:
    from fieldapp.cmm import accounts

    conn = _open(args)
    try:
        body = accounts.read_referral(conn, args.packet)
    finally:
        conn.close()
    if body is None:
        raise InvalidInput(_("No packet with this id is in the intake store."))
    print(body)
    return ExitCode.OK


def _window(args) -> tuple[date, date] | None:
    if args.first is None and args.last is None:
        return None
    try:
        return date.fromisoformat(args.first or ""), date.fromisoformat(args.last or "")
    except ValueError as exc:
        raise InvalidInput(_("Dates must be written YYYY-MM-DD, for example 2025-01-31.")) from exc


@guarded
def cmd_reply(args) -> int:
    from fieldapp.cmm import replies
    from fieldapp.cmm.staff import INTAKE
    from fieldapp.protocol.crypto import CmmSecret
    from fieldapp.protocol.reply import Answer

    answer = Answer(args.status, _window(args), args.assessment, args.role)
    conn = _open(args, ADMIN)
    try:
        if INTAKE not in conn.desk.keys:
            raise InvalidInput(_("CMM's secret key is not in the intake store yet: receive packets once as an "
                                 "admin, then reply."))
        path = replies.write_reply(conn, CmmSecret(bytes(conn.desk.keys[INTAKE])), args.packet, answer, args.out)
    finally:
        conn.close()
    if path is None:
        print(_("Reply kept in the intake store: the organisation's sync collects it over HTTPS."))
    else:
        print(_("Reply written: {path}").format(path=printable(path)))
    return ExitCode.OK


@guarded
def cmd_audit(args) -> int:
    from fieldapp.cmm import accounts

    conn = _open(args, ADMIN)
    try:
        lines = accounts.openings_log(conn)
    finally:
        conn.close()
    for line in lines:
        mark = "" if line.sound else "  " + _("(does not verify: changed or not signed by this person)")
        print(f"{line.entry.seq}  {line.entry.at}  {printable(line.name)}  {line.entry.packet_id}{mark}")
    broken = sum(not line.sound for line in lines)
    if broken:
        print(ngettext("{count} line of the log does not verify.", "{count} lines of the log do not verify.",
                       broken).format(count=broken), file=sys.stderr)
        return ExitCode.INTEGRITY
    print(ngettext("{count} reading, its line verified.", "{count} readings, every line verified.",
                   len(lines)).format(count=len(lines)))
    return ExitCode.OK

