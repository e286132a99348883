"""Sync: deliver queued packets by the configured transport and read CMM's receipts.

Runs only when the user starts it. A packet whose consent was withdrawn is never handed to a
transport (checked again right before each delivery). Network and disk work happen outside any
write transaction; each outcome is then saved in its own transaction.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fieldapp.cancel import NEVER, CancelToken
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _, ngettext
from fieldapp.protocol import receipt, reply
from fieldapp.protocol.crypto import CmmPublic
from fieldapp.protocol.reasons import REASONS, Rejected
from fieldapp.referral import config
from fieldapp.referral.service import _require_send
from fieldapp.referral.transports import DeliveryFailed, FolderTransport, HttpsTransport
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, outbox_repo, referral_repo, reply_repo, withdrawal_repo
from fieldapp.storage.reply_repo import StoredReply
from fieldapp.storage.untrusted_dir import MAX_ENTRIES

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SyncItem:
    referral_id: str
    packet_id: str
    reason: str = ""


@dataclass
class SyncReport:
    sent: list[SyncItem] = field(default_factory=list)
    acknowledged: list[SyncItem] = field(default_factory=list)
    failed: list[SyncItem] = field(default_factory=list)     # still queued (or failed at CMM), with reasons
    replies: list[SyncItem] = field(default_factory=list)    # new answers from CMM about a referral
    transport: str = ""
    problems: list[str] = field(default_factory=list)        # about the run, not one packet (a refused folder)

    def lines(self) -> list[str]:
        out = [_("Sent: {count}").format(count=len(self.sent)),
               _("Acknowledged by CMM: {count}").format(count=len(self.acknowledged)),
               _("Not sent: {count}").format(count=len(self.failed))]
        if self.replies:
            out.append(ngettext("New answer from CMM: {count}", "New answers from CMM: {count}",
                                len(self.replies)).format(count=len(self.replies)))
        out += [_("  referral {id}: {reason}").format(id=item.referral_id, reason=item.reason) for item in self.failed]
        return out + self.problems


def _transport(session: Session, to_folder: Path | None, cancel: CancelToken = NEVER):
    if to_folder is not None:
        return FolderTransport(Path(to_folder))
    settings = config.transport(session)
    if settings.kind == "https":
        return HttpsTransport(settings.endpoint, settings.pin_sha256, retries=settings.retries,
                              backoff_s=settings.backoff_s, timeout_s=settings.timeout_s, cancel=cancel)
    if not settings.folder:
        raise InvalidInput(_("No way to send packets has been set up. Choose a folder or CMM's HTTPS address in "
                             "the referral settings."))
    return FolderTransport(Path(settings.folder), Path(settings.receipts_folder) if settings.receipts_folder else None)


def apply_receipt(session: Session, raw: bytes, cmm: CmmPublic, report: SyncReport) -> str | None:
    """Mark a sent packet acknowledged (or failed, if CMM rejected it) from a receipt CMM signed.

    A receipt counts only for a packet CMM was sent whose sealed bytes have the SHA-256 it names: a receipt
    for another copy, or for a packet id someone else chose, changes nothing. Returns the receipt's outcome,
    or None when it is not a valid receipt for one of our sent packets. An acknowledged packet is never
    set back."""
    _require_send(session)
    found = receipt.verify(raw, cmm)
    if found is None:
        return None
    row = outbox_repo.get(session.conn, found["packet_id"])
    if row is None:
        return _apply_notice_receipt(session, found)
    accepted = found["outcome"] in ("accepted", "duplicate")
    current = hmac.compare_digest(row.digest, found["packet_sha256"])
    # CMM holding an earlier copy of this packet (sealed before a key rotation) is an acknowledgement too;
    # a refusal counts only for the copy the outbox holds now.
    earlier = accepted and any(hmac.compare_digest(d, found["packet_sha256"]) for d in row.earlier_digests)
    if not (current or earlier):
        return None
    if row.status == "acknowledged":
        return found["outcome"]
    # An acceptance is proof CMM has the packet, even after an earlier refusal was read or when the packet was
    # queued again meanwhile (it then goes no more); a refusal counts only for the copy that was sent.
    if row.status not in (("sent", "failed", "queued") if accepted else ("sent",)):
        return None
    reason = "" if accepted else _(REASONS.get(found["reason"], REASONS["unprocessable"]))
    with session.write() as conn:
        if accepted:
            outbox_repo.mark_acknowledged(conn, row.packet_id)
            referral_repo.set_status(conn, row.referral_id, "acknowledged")
            audit_repo.append(conn, session.user.id, "referral.acknowledged", "referral", row.referral_id)
        elif found["reason"] == "id_taken":
            # Another organisation sent a packet under this id first: sending these bytes again would only be
            # refused again, so the referral goes back to draft and is sealed again under a new id.
            outbox_repo.delete_for_referral(conn, row.referral_id)
            referral_repo.set_status(conn, row.referral_id, "draft")
            audit_repo.append(conn, session.user.id, "referral.returned_to_draft", "referral", row.referral_id)
        else:
            outbox_repo.record_attempt(conn, row.packet_id, row.transport, reason)
            referral_repo.set_status(conn, row.referral_id, "failed")
            audit_repo.append(conn, session.user.id, "referral.rejected_by_cmm", "referral", row.referral_id)
    (report.acknowledged if accepted else report.failed).append(SyncItem(row.referral_id, row.packet_id, reason))
    return found["outcome"]


def _apply_notice_receipt(session: Session, found: dict) -> str | None:
    """CMM's receipt for a withdrawal notice (the notice's id and the SHA-256 of its bytes): accepted or a
    duplicate means the referral is erased at CMM."""
    notice = withdrawal_repo.get(session.conn, found["packet_id"])
    if notice is None or not hmac.compare_digest(notice.digest, found["packet_sha256"]):
        return None
    if found["outcome"] in ("accepted", "duplicate") and notice.status != "acknowledged":
        with session.write() as conn:
            withdrawal_repo.mark_acknowledged(conn, notice.notice_id)
            audit_repo.append(conn, session.user.id, "referral.erased_at_cmm", "referral",
                              notice.referral_id or notice.notice_id)
    return found["outcome"]


def _read_receipts(session: Session, transport, cmm: CmmPublic, report: SyncReport) -> str:
    """Apply the receipt files of a folder transport; returns why the folder was refused ("" if it was not)."""
    if not isinstance(transport, FolderTransport):
        return ""
    try:
        more = transport.read_receipts(lambda raw: apply_receipt(session, raw, cmm, report))
    except DeliveryFailed as error:
        if error.message not in report.problems:
            report.problems.append(error.message)
        return error.message
    note = _("The receipts folder holds more than {count} receipt files; only the first were read. Move the "
             "receipts already read elsewhere and sync again.").format(count=MAX_ENTRIES)
    if more and note not in report.problems:
        report.problems.append(note)
    return ""


def _deliver_one(session: Session, transport, cmm: CmmPublic, row, report: SyncReport) -> None:
    data = outbox_repo.sealed_bytes(session.conn, row.packet_id)
    if data is None:    # withdrawn or no longer queued since the list was read
        return
    answer = transport.deliver(row.packet_id, data)
    with session.write() as conn:
        outbox_repo.record_attempt(conn, row.packet_id, transport.name, "")
        outbox_repo.mark_sent(conn, row.packet_id)
        referral_repo.set_status(conn, row.referral_id, "sent")
        audit_repo.append(conn, session.user.id, "referral.sent", "referral", row.referral_id)
    if answer is None:
        report.sent.append(SyncItem(row.referral_id, row.packet_id))
        return
    outcome = apply_receipt(session, answer, cmm, report)
    if outcome is None:
        claimed = receipt.read_error(answer)
        reason = (_("CMM's server refused the packet without a signed receipt ({reason}); it will be sent again "
                    "at the next sync.").format(reason=_(REASONS[claimed])) if claimed in REASONS else
                  _("CMM's server answered without a valid receipt; the packet will be sent again at the next "
                    "sync."))
        _failed(session, row, reason, report, requeue=True)
    elif outcome != "rejected":
        report.sent.append(SyncItem(row.referral_id, row.packet_id))


def _failed(session: Session, row, reason: str, report: SyncReport, *, requeue: bool = False) -> None:
    with session.write() as conn:
        outbox_repo.record_attempt(conn, row.packet_id, "", reason)
        if requeue:
            referral_repo.set_status(conn, row.referral_id, "queued")
    report.failed.append(SyncItem(row.referral_id, row.packet_id, reason))


def sync(session: Session, progress: Progress | None = None, to_folder: Path | None = None,
         cancel: CancelToken = NEVER) -> SyncReport:
    """Deliver every queued packet and read receipts: over HTTPS immediate danger first, into a folder in
    random order (the order of files on a stick must not say which is urgent). Never raises for a
    packet that could not go: it stays queued and is listed in ``failed`` with the reason. ``cancel``
    stops it between packets and breaks off a network call in progress (``Cancelled``); a packet cut off
    mid-delivery stays queued, and CMM's intake counts a packet it already had as a duplicate."""
    _require_send(session)
    cmm = config.require_cmm_key(session)
    transport = _transport(session, to_folder, cancel)
    report = SyncReport(transport=transport.name)
    progress = progress or (lambda done, total, message: None)
    refused = _read_receipts(session, transport, cmm, report)
    rows = outbox_repo.list_rows(session.conn, ("queued",))
    if transport.shuffled:
        secrets.SystemRandom().shuffle(rows)
    stop_reason = refused               # a stick whose folders are links gets no packets either
    for done, row in enumerate(rows):
        cancel.check()
        progress(done, len(rows), _("Sending {done} of {total}").format(done=done + 1, total=len(rows)))
        if stop_reason:
            _failed(session, row, stop_reason, report)
            continue
        try:
            _deliver_one(session, transport, cmm, row, report)
        except DeliveryFailed as error:
            _failed(session, row, error.message, report)
            stop_reason = error.message if error.fatal else ""
    if not stop_reason:
        _deliver_notices(session, transport, cmm, report, cancel)
    if not refused:
        _read_receipts(session, transport, cmm, report)
        if isinstance(transport, FolderTransport) or not stop_reason:     # a server that did not answer: not again
            _read_replies(session, transport, cmm, report)
    progress(len(rows), len(rows), _("Done"))
    return report


def apply_reply(session: Session, raw: bytes, cmm: CmmPublic, report: SyncReport, seed: bytes | None = None) -> bool:
    """Keep one of CMM's replies: it must be sealed to this organisation, signed by CMM, and name a packet we
    sent together with that referral's own reference. Anything else changes nothing (a shared stick may hold
    other organisations' replies). True when a new reply was kept. ``seed``: the organisation's signing seed,
    read once by a caller handing over many replies."""
    _require_send(session)
    try:
        found = reply.open_reply(raw, seed or config.org_seed(session), cmm)
    except Rejected:
        return False
    row = outbox_repo.get(session.conn, found["packet_id"])
    if row is None or not hmac.compare_digest(row.reference, found["reference"]):
        return False
    notice = withdrawal_repo.for_referral(session.conn, row.referral_id)
    if notice is not None and notice.status == "acknowledged":      # erased at CMM: a late reply is not kept
        return False
    window = found.get("window") or {}
    stored = StoredReply(found["reply_id"], row.referral_id, "cmm", found["status"], window.get("from"),
                         window.get("to"), found.get("assessment", ""), found.get("contact_role", ""),
                         found["date"], "", found["sequence"])
    with session.write() as conn:
        if not reply_repo.insert(conn, stored):
            return False
        audit_repo.append(conn, session.user.id, "referral.reply", "referral", row.referral_id)
    report.replies.append(SyncItem(row.referral_id, row.packet_id))
    return True


def _read_replies(session: Session, transport, cmm: CmmPublic, report: SyncReport) -> None:
    """CMM's replies: from the ``replies`` folder beside the packets, or over HTTPS with a signed request."""
    seed = config.org_seed(session)
    take = lambda raw: apply_reply(session, raw, cmm, report, seed)  # noqa: E731
    try:
        if isinstance(transport, FolderTransport):
            more = transport.read_replies(take)
        else:
            more = transport.read_replies(take, reply.replies_request(seed, cmm))
    except DeliveryFailed as error:
        if error.message not in report.problems:
            report.problems.append(error.message)
        return
    if more:
        report.problems.append(_("The replies folder holds more than {count} files; only the first were read. Move "
                                 "the replies already read elsewhere and sync again.").format(count=MAX_ENTRIES))


def _deliver_notices(session: Session, transport, cmm: CmmPublic, report: SyncReport, cancel: CancelToken) -> None:
    """Send every withdrawal notice CMM has not confirmed; a notice that could not go waits for the next sync."""
    for notice in withdrawal_repo.to_send(session.conn):
        cancel.check()
        data = withdrawal_repo.sealed_bytes(session.conn, notice.notice_id)
        try:
            answer = transport.deliver(notice.notice_id, data)
        except DeliveryFailed as error:
            if error.message not in report.problems:
                report.problems.append(error.message)
            if error.fatal:
                return
            continue
        with session.write() as conn:
            withdrawal_repo.mark_sent(conn, notice.notice_id)
        if answer is not None:
            apply_receipt(session, answer, cmm, report)
