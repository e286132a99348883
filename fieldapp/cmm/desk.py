"""CMM's desk in words: the referrals on file with the urgent ones first, one referral's coded content in
plain words (a caseworker's or admin's reading, logged), the replies already sent, and a reply written.

The list is made from the coded columns only, so an intake operator sees it too and nothing is logged as
read; the content needs the case key and every opening is logged (``accounts.read_referral``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from fieldapp.cmm import accounts, replies
from fieldapp.cmm import store as db
from fieldapp.cmm.staff import ADMIN, CASE, INTAKE
from fieldapp.domain import codes
from fieldapp.domain.referral import (
    CONTACT_CHANNELS,
    CONTACT_DAYS,
    CONTACT_TIMES,
    HELP_REQUESTED,
    POLICE_REPORT_WISHES,
    REPLY_STATUSES,
    RESIDENCE_STATUSES,
    SCOPE_LABELS,
)
from fieldapp.errors import FieldappError, InvalidInput
from fieldapp.i18n import _
from fieldapp.protocol.crypto import CmmSecret
from fieldapp.protocol.reply import Answer
from fieldapp.protocol.words import (
    age_words,
    answer_words,
    day_words,
    interpreter_words,
    labels_words,
    language_words,
    nationality_words,
    period_words,
)

CLOSED = "closed"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Referral:
    """One referral opened at the desk: its content in words, line by line, and the replies sent."""

    packet_id: str
    lines: list[tuple[str, str]]
    replies: list[str]
    urgent: bool


def incoming(store) -> list[db.DeskRow]:
    """The referrals on file: the urgent ones CMM has not closed first, then those not yet answered, then the
    rest; newest first within each. A referral received before urgency was kept, not yet answered, comes right
    after the urgent ones (read it to know). Referrals put aside after a key was revoked come last."""
    rows = db.desk_rows(store)

    def rank(row: db.DeskRow) -> int:
        if row.quarantined:
            return 4
        if row.urgent and not closed(row):
            return 0
        if row.urgent is None and not row.replies:     # received before urgency was kept: it may be urgent
            return 1
        return 2 if not row.replies else 3

    return sorted(rows, key=rank)            # stable: newest first within each rank, as read


def closed(row: db.DeskRow) -> bool:
    """CMM's latest reply about it closed the case."""
    return bool(row.replies) and row.replies[-1] == CLOSED


def status_words(row: db.DeskRow) -> str:
    """Where the referral stands at CMM: put aside, the latest reply sent, or "not answered yet"."""
    if row.quarantined:
        return _("put aside: sent with a key revoked since; check with the organisation before acting")
    return _(REPLY_STATUSES.get(row.replies[-1], row.replies[-1])) if row.replies else _("not answered yet")


def urgent_words(row: db.DeskRow) -> str:
    if row.urgent is None:
        return _("not known until read")
    return _("urgent") if row.urgent else ""


def read(store, packet_id: str) -> Referral:
    """Open a referral for a caseworker or admin (the opening is logged) and say it in words; fills in the
    urgency of a referral received before it was kept as a column."""
    body = accounts.read_referral(store, packet_id)
    if body is None:
        raise InvalidInput(_("No packet with this id is in the intake store."))
    packet = json.loads(body)
    urgent = bool(packet["immediate_danger"])
    try:
        store.run_transaction(lambda: db.fill_coded(store, packet_id, urgent, packet["consent"]["scope"]))
    except FieldappError:       # a database role without that right: the referral is read all the same
        log.warning("the urgency of an older referral could not be kept")
    return Referral(packet_id, describe(packet), sent_replies(store, packet_id), urgent)


def sent_replies(store, packet_id: str) -> list[str]:
    """CMM's replies about a referral in words, oldest first, each with the day it was written."""
    return [_("{day}: {answer}").format(day=day_words(r["date"]), answer=answer_words(
        r["status"], (r.get("window") or {}).get("from"), (r.get("window") or {}).get("to"),
        r.get("assessment", ""), r.get("contact_role", ""))) for r in db.replies_for(store, packet_id)]


def describe(packet: dict) -> list[tuple[str, str]]:
    """The referral's fields in words, as (label, value), in the order a caseworker reads them."""
    consent = packet["consent"]
    lines = [
        (_("Immediate danger"), _("yes: call the organisation now") if packet["immediate_danger"] else _("no")),
        (_("Consent"), _(SCOPE_LABELS.get(consent["scope"], consent["scope"]))),
        (_("Period met"), period_words(packet["period"])),
        (_("Region"), _(codes.REGIONS.get(packet["region"], packet["region"]))),
        (_("How they met"), _(codes.CONTACT_KINDS.get(packet["contact_setting"], packet["contact_setting"]))),
        (_("Gender"), _(codes.GENDERS.get(packet["gender"], packet["gender"]))),
        (_("Age group"), age_words(packet["age_group"])),
        (_("Nationality"), nationality_words(packet["nationality"])),
        (_("Languages"), language_words(packet["languages"])),
        (_("Signs of trafficking"), labels_words(packet["indicators"], codes.INDICATORS)),
        (_("Suspected exploitation"), labels_words(packet["exploitation_forms"], codes.EXPLOITATION_FORMS)),
        *work_lines(packet),
        (_("Help requested"), labels_words(packet["help_requested"], HELP_REQUESTED)),
    ]
    if consent.get("date"):
        lines.append((_("Consent given on"), day_words(consent["date"])))
    if consent.get("sheet_language"):
        lines.append((_("Information sheet"), _("{language}, version {version}").format(
            language=language_words([consent["sheet_language"]]), version=consent.get("sheet_version", ""))))
    if consent.get("notice_read"):
        lines.append((_("Police notice"), _("read aloud to the person: CMM as a rule reports to the police "
                                            "itself, anonymously")))
    shared = packet.get("assessment")
    if shared:
        contact = shared["contact"]
        lines += [
            (_("Residence status"), _(RESIDENCE_STATUSES.get(shared["residence_status"], shared["residence_status"]))),
            (_("Wish to report to the police"), _(POLICE_REPORT_WISHES.get(shared["police_report"],
                                                                             shared["police_report"]))),
            (_("Interpreter"), interpreter_words(shared["interpreter"])),
            (_("Reach the person through the organisation"), _("{channel}; {days}; {times}").format(
                channel=_(CONTACT_CHANNELS.get(contact["channel"], contact["channel"])),
                days=_(CONTACT_DAYS.get(contact["days"], contact["days"])),
                times=labels_words(contact["times"], CONTACT_TIMES))),
        ]
    lines.append((_("The organisation's reference"), packet["reference"]))
    return lines


def work_lines(packet: dict) -> list[tuple[str, str]]:
    """The industry of the work and the forms of forced crime, as (label, value); none for a packet of a format
    before ``cmm-referral/3``, which did not carry them."""
    if "industries" not in packet:
        return []
    hidden = _("left out by the organisation to protect the person")
    left_out = "industry_crime_left_out" in packet["anonymisation"]["generalised"]
    lines = [(_("Industry of the work"), hidden if left_out else labels_words(packet["industries"], codes.INDUSTRIES))]
    if "criminal_activities" in packet["exploitation_forms"]:
        lines.append((_("Forms of forced crime"),
                      hidden if left_out else labels_words(packet["crime_forms"], codes.CRIME_FORMS)))
    return lines


def can_read(store) -> bool:
    return CASE in store.desk.keys


def can_reply(store) -> bool:
    return store.desk.role == ADMIN and INTAKE in store.desk.keys


def send_reply(store, packet_id: str, answer: Answer, folder: Path | None) -> Path | None:
    """Seal a reply to the organisation, keep it for the organisation's HTTPS sync and, with a ``folder``, write
    it there too (its ``replies`` folder on the stick)."""
    store.desk.require(ADMIN)
    if INTAKE not in store.desk.keys:
        raise InvalidInput(_("CMM's secret key is not in the intake store yet: receive packets once as an "
                             "admin, then reply."))
    return replies.write_reply(store, CmmSecret(bytes(store.desk.keys[INTAKE])), packet_id, answer, folder)
