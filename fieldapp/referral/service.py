"""The referral service: draft from a person, consent, preview in words, seal, queue, withdraw.

Creating, sealing and withdrawing need the "records" capability (outreach workers refer people
they meet). Queueing and syncing need "records" too, or "referrals_send" when the organisation
switched on ``require_send_capability``. Every change is one transaction with its audit event;
audit events name the referral id only.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from fieldapp.domain import codes
from fieldapp.domain.queries import FollowUp
from fieldapp.domain.records import age_class
from fieldapp.domain.referral import (
    CONSENT_SCOPES,
    CONTACT_CHANNELS,
    CONTACT_DAYS,
    CONTACT_TIMES,
    COUNTRIES_OF,
    EDITABLE,
    HELP_REQUESTED,
    INTERPRETER_LANGUAGES,
    POLICE_REPORT_WISHES,
    RESIDENCE_STATUSES,
    SENT_OR_SEALED,
    STATUSES,
    STEPS,
    UNSENT,
    Assessment,
    Consent,
    Generalisation,
    QuasiRow,
    Referral,
    age_in,
    code_set,
    language_set,
    month_of,
    nationality_group,
    quarter_months,
    sent_values_of,
    sent_values_read,
    work_of,
)
from fieldapp.domain.validation import SHEET_VERSION
from fieldapp.errors import InvalidInput, ValidationError
from fieldapp.i18n import _
from fieldapp.protocol import crypto, reply
from fieldapp.protocol.reply import Answer
from fieldapp.records import organisation
from fieldapp.referral import anonymise, config, packet, summary
from fieldapp.referral.errors import ConsentMissing, ConsentWithdrawn, KRuleNotMet, NotEditable, ReferralNotFound
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, outbox_repo, people_repo, referral_repo, reply_repo, withdrawal_repo


@dataclass(frozen=True)
class Preview:
    """Exactly what sealing would send (apart from the random packet id), and in words."""

    referral_id: str
    packet: dict
    lines: list[str]
    generalisation: Generalisation
    generalisation_lines: list[str]
    exact: bool
    needs_reason: bool


def _get(session: Session, referral_id: str) -> Referral:
    referral = referral_repo.get(session.conn, referral_id)
    if referral is None:
        raise ReferralNotFound()
    return referral


def get(session: Session, referral_id: str) -> Referral:
    session.require("records")
    return _get(session, referral_id)


def create_draft(session: Session, person_id: str) -> Referral:
    """A draft for a person: indicators, suspected exploitation, the industry of the work and forms of forced
    crime from their contacts, region and setting from the latest contact (else the organisation's region)."""
    session.require("records")
    person = referral_repo.person_codes(session.conn, person_id)
    if person is None:
        raise InvalidInput(_("This person no longer exists."))
    kind, region = referral_repo.latest_contact(session.conn, person_id) or ("", "")
    region = region if region in codes.REGIONS else organisation.load(session).region
    draft = Referral(
        person_id=person_id, region=region if region in codes.REGIONS else "",
        contact_setting=kind if kind in codes.CONTACT_KINDS else "", month=month_of(datetime.now(UTC)),
        indicators=tuple(i for i in referral_repo.contact_codes(session.conn, person_id)
                         if i in codes.INDICATORS),
        exploitation_forms=tuple(f for f in referral_repo.contact_codes(session.conn, person_id, "exploitation")
                                 if f in codes.EXPLOITATION_FORMS) or ("undetermined",),
        industries=code_set(referral_repo.contact_codes(session.conn, person_id, "industry"), codes.INDUSTRIES),
        crime_forms=code_set(referral_repo.contact_codes(session.conn, person_id, "crime_forms"), codes.CRIME_FORMS),
        reference=packet.new_reference(), created_by=session.user.id)
    with session.write() as conn:
        saved = referral_repo.insert(conn, draft)
        audit_repo.append(conn, session.user.id, "referral.create", "referral", saved.id)
    return saved


def cmm_phone(session: Session) -> str:
    """CMM's hotline as the administrator entered it, or "" (the app never makes one up)."""
    session.require("records")
    return config.transport(session).cmm_phone.strip()


def person_languages(session: Session, person_id: str) -> tuple[str, ...]:
    """The languages recorded for a person (to suggest an interpreter)."""
    session.require("records")
    person = referral_repo.person_codes(session.conn, person_id)
    return tuple(person["languages"]) if person else ()


def _field_problems(referral: Referral) -> dict[str, str]:
    checks = {
        "region": referral.region in codes.REGIONS,
        "contact_setting": referral.contact_setting in codes.CONTACT_KINDS,
        "indicators": set(referral.indicators) <= set(codes.INDICATORS),
        "exploitation_forms": bool(referral.exploitation_forms)
        and set(referral.exploitation_forms) <= set(codes.EXPLOITATION_FORMS),
        "help_requested": set(referral.help_requested) <= set(HELP_REQUESTED),
        "industries": set(referral.industries) <= set(codes.INDUSTRIES),
        "crime_forms": set(referral.crime_forms) <= set(codes.CRIME_FORMS),
    }
    messages = {
        "region": _("Choose a region."),
        "contact_setting": _("Choose how you met the person."),
        "indicators": _("Choose signs of trafficking from the list."),
        "exploitation_forms": _("Choose at least one form of exploitation (or 'Could not be determined')."),
        "help_requested": _("Choose the help requested from the list."),
        "industries": _("Choose the industry of the work from the list."),
        "crime_forms": _("Choose the forms of forced crime from the list."),
    }
    return {name: messages[name] for name, ok in checks.items() if not ok}


def update_draft(session: Session, referral: Referral) -> Referral:
    """Save the editable fields (region, setting, indicators, forms, industries, forms of crime, help, urgency)
    of a draft."""
    session.require("records")
    current = _get(session, referral.id)
    if current.status not in EDITABLE:
        raise NotEditable()
    problems = _field_problems(referral)
    if problems:
        raise ValidationError(problems)
    with session.write() as conn:
        referral_repo.update_fields(conn, referral)
        audit_repo.append(conn, session.user.id, "referral.update", "referral", referral.id)
    return _get(session, referral.id)


def _assessment_problems(assessment: Assessment) -> dict[str, str]:
    checks = {
        "residence_status": (assessment.residence_status in RESIDENCE_STATUSES,
                             _("Choose the person's residence status (or 'Not known').")),
        "police_report": (assessment.police_report in POLICE_REPORT_WISHES,
                          _("Choose whether the person wants to report to the police.")),
        "interpreter": (set(assessment.interpreter) <= set(INTERPRETER_LANGUAGES) and len(assessment.interpreter) <= 4,
                        _("Choose at most four interpreter languages from the list.")),
        "contact_channel": (assessment.contact_channel in CONTACT_CHANNELS,
                            _("Choose how CMM can reach the person through you.")),
        "contact_days": (assessment.contact_days in CONTACT_DAYS, _("Choose the days when it is safe.")),
        "contact_times": (bool(assessment.contact_times) and set(assessment.contact_times) <= set(CONTACT_TIMES),
                          _("Choose at least one time of day when it is safe.")),
    }
    return {name: message for name, (ok, message) in checks.items() if not ok}


def record_consent(session: Session, referral_id: str, scope: str, sheet_language: str, sheet_version: str, *,
                   notice_read: bool = False, assessment: Assessment | None = None) -> Consent:
    """Who consented to what, after which information sheet and after hearing ``POLICE_NOTICE`` read aloud:
    recorded by the signed-in user, now. A referral for assessment also records what the person agreed
    to share (``assessment``); an anonymous notice records none."""
    session.require("records")
    referral = _get(session, referral_id)
    if referral.status not in EDITABLE:
        raise NotEditable()
    problems = {}
    if scope not in CONSENT_SCOPES:
        problems["scope"] = _("Choose what the person agreed to.")
    person = people_repo.get_person(session.conn, referral.person_id)
    if scope == "anonymous_notice" and person is not None and age_class(person) == "child":
        problems["scope"] = _("A child is referred for assessment, never as an anonymous notice only: the duty to "
                              "protect children applies.")
    if sheet_language not in codes.LANGUAGES:
        problems["sheet_language"] = _("Choose the language of the information sheet.")
    if not SHEET_VERSION.fullmatch(sheet_version or ""):
        problems["sheet_version"] = _("Give the information sheet's version, as printed at its foot.")
    if not notice_read:
        problems["notice_read"] = _("Read the sentence about the police aloud to the person, then tick that you did.")
    if scope == "assessment":
        problems.update(_assessment_problems(assessment or Assessment(residence_status="", police_report="")))
    if problems:
        raise ValidationError(problems)
    consent = Consent(scope, sheet_language, sheet_version, recorded_by=session.user.id,
                      recorded_at=datetime.now(UTC), notice_read=True)
    with session.write() as conn:
        referral_repo.put_consent(conn, referral_id, consent)
        referral_repo.put_assessment(conn, referral_id, assessment if scope == "assessment" else None)
        audit_repo.append(conn, session.user.id, "referral.consent", "referral", referral_id)
    return consent


def record_urgent_call(session: Session, referral_id: str) -> Referral:
    """The worker called for help (CMM's hotline or 112) for a person in immediate danger: when, audited."""
    session.require("records")
    _get(session, referral_id)
    with session.write() as conn:
        referral_repo.set_urgent_call(conn, referral_id, datetime.now(UTC))
        audit_repo.append(conn, session.user.id, "referral.urgent_call", "referral", referral_id)
    return _get(session, referral_id)


class _Populations:
    """The k-rule's population of one person's gender, read once per quarter: only who could share the
    widest values (the quarter, the continent), since every narrower level is a part of them, so no one
    who could count is left out. Grouped as read, so each combination of raw values becomes codes once."""

    def __init__(self, session: Session, person: dict) -> None:
        self._session, self._person = session, person
        self._home = organisation.load(session).region
        self._fetched: dict[tuple, anonymise.Population] = {}
        self._work_codes: dict | None = None

    def __call__(self, month: str) -> anonymise.Population:
        quarter = quarter_months(month)
        region = nationality_group(self._person["nationality"], STEPS[-1][1].nationality)
        key = (quarter, region)
        if key not in self._fetched:
            raw: dict[tuple, set] = defaultdict(set)
            work = self._work()
            for pid, gender, age_estimate, birth_year, nationality, languages, place, met in referral_repo.quasi_rows(
                    self._session.conn, self._person["gender"], quarter[0], quarter[-1], COUNTRIES_OF.get(region),
                    self._home):
                raw[(gender, age_estimate, birth_year, nationality, place, met, languages, work.get(pid))].add(pid)
            year = int(month[:4])
            groups: dict[tuple, set] = defaultdict(set)
            for (gender, age_estimate, birth_year, nationality, place, met, languages, found), people in raw.items():
                groups[(gender, age_in(year, age_estimate, birth_year), nationality, place, met,
                        language_set(languages), _work_set(found))] |= people
            self._fetched[key] = anonymise.Population.grouped(dict(groups))
        return self._fetched[key]

    def _work(self) -> dict:
        if self._work_codes is None:
            self._work_codes = referral_repo.work_codes(self._session.conn, self._person["gender"])
        return self._work_codes


def _work_set(found: tuple | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A person's industries and forms of forced crime as the k-rule compares them."""
    industries, crimes = found or ((), ())
    return code_set(industries, codes.INDUSTRIES), code_set(crimes, codes.CRIME_FORMS)


def _quasi(session: Session, referral: Referral) -> tuple[QuasiRow, anonymise.Population, list[set]]:
    """The person as the k-rule sees them in this referral, everyone of their gender met in its quarter, and
    for each packet about them already sealed, the people consistent with what it said (kept at sealing;
    for a packet sealed before that, rebuilt from the record with its languages named). A packet sealed and
    then withdrawn counts too: it may have reached CMM. Contacts whose venue has no region count in the
    organisation's region, whatever region this referral names."""
    person = referral_repo.person_codes(session.conn, referral.person_id)
    if person is None:
        raise InvalidInput(_("This person no longer exists."))
    population = _Populations(session, person)

    def target(other: Referral) -> QuasiRow:
        industries, crime_forms = work_of(other)
        return QuasiRow(person["id"], person["gender"], age_in(int(other.month[:4]), person["age_estimate"],
                                                                person["birth_year"]),
                        person["nationality"], other.region, other.month, language_set(person["languages"]),
                        industries, crime_forms)

    earlier = []
    for other in referral_repo.for_person(session.conn, referral.person_id):
        if other.id == referral.id:
            continue
        stored = sent_values_read(other.sent_values) if other.sent_values else None
        if stored is not None:          # what the packet said, whatever the record says today
            earlier.append(anonymise.fitting_values(person["id"], population(other.month), *stored))
        elif other.status in SENT_OR_SEALED:     # sealed before the vault kept it: languages were always named
            earlier.append(anonymise.fitting(target(other), population(other.month), other.generalised,
                                             languages_sent=True))
    return target(referral), population(referral.month), earlier


def preview(session: Session, referral_id: str, *, exact: bool = False) -> Preview:
    """The packet that sealing would send, generalised by the k-rule unless ``exact``."""
    session.require("records")
    referral = _get(session, referral_id)
    problems = _field_problems(referral)
    if problems:
        raise ValidationError(problems)
    if referral.consent is None:
        raise ConsentMissing()
    if referral.consent.withdrawn_at is not None:
        raise ConsentWithdrawn()
    if referral.consent.scope not in CONSENT_SCOPES or not referral.consent.notice_read:
        raise ConsentMissing(_("Record the person's consent again: choose what they agreed to, and read the "
                               "sentence about the police aloud first."))
    person = people_repo.get_person(session.conn, referral.person_id)
    if referral.consent.scope == "anonymous_notice" and person is not None and age_class(person) == "child":
        # the age was changed (or a merge filled it in) after the consent: a child is never only a notice
        raise ConsentMissing(_("This is a child: record the consent again, as a referral for assessment. A child "
                               "is never referred as an anonymous notice only."))
    target, rows, earlier = _quasi(session, referral)
    k = config.get_k(session)
    if referral.consent.scope == "assessment":       # the person agreed to share the exact details
        gen = anonymise.exact_only(target, rows, k)
        body = packet.build(referral, gen, org=config.org_id(session), packet_id=packet.new_packet_id(),
                            overridden=False)
        return Preview(referral_id, body, summary.describe(body), gen, summary.describe_consented(), True,
                       needs_reason=False)
    gen = (anonymise.exact_only(target, rows, k, earlier) if exact
           else anonymise.generalise(target, rows, k, earlier))
    body = packet.build(referral, gen, org=config.org_id(session),
                        packet_id=packet.new_packet_id(), overridden=not gen.met)
    return Preview(referral_id, body, summary.describe(body), gen,
                   summary.describe_generalisation(gen, exact=exact), exact, needs_reason=not gen.met)


def _same_content(a: dict, b: dict) -> bool:
    return {**a, "packet_id": ""} == {**b, "packet_id": ""}


def seal(session: Session, referral_id: str, *, exact: bool = False, reason: str = "",
         seen: Preview | None = None) -> str:
    """Sign and seal the packet to CMM's key and keep it in the outbox (status "sealed").

    A reason is required when fewer than k people share what is sent; it is stored in the vault
    and audited, never sent. With ``seen`` (the preview the worker confirmed) sealing refuses if
    anything changed since. Returns the packet id.
    """
    session.require("records")
    cmm = config.require_cmm_key(session)
    view = preview(session, referral_id, exact=exact)
    reason = " ".join(reason.split())
    if view.needs_reason and not reason:
        raise KRuleNotMet()
    if seen is not None and not _same_content(seen.packet, view.packet):
        raise InvalidInput(_("The details changed since you checked them. Check them again before sealing."))
    if _get(session, referral_id).status not in EDITABLE:
        raise NotEditable()
    sealed = crypto.sign_and_seal(crypto.canonical_json(view.packet), config.org_seed(session), cmm)
    packet_id = view.packet["packet_id"]
    with session.write() as conn:
        outbox_repo.insert(conn, packet_id, referral_id, sealed, hashlib.sha256(sealed).hexdigest())
        referral_repo.set_sealed(conn, referral_id, view.generalisation.steps, reason if view.needs_reason else "",
                                 sent_values_of(view.generalisation))
        audit_repo.append(conn, session.user.id, "referral.seal", "referral", referral_id)
        if view.needs_reason:
            audit_repo.append(conn, session.user.id, "referral.k_override", "referral", referral_id)
    return packet_id


def _require_send(session: Session) -> None:
    session.require("records")
    if config.transport(session).require_send_capability:
        session.require("referrals_send")


def queue(session: Session, referral_id: str) -> None:
    """Put a sealed (or failed, or sent but never acknowledged) packet in line for the next sync."""
    _require_send(session)
    referral = _get(session, referral_id)
    if referral.consent is None or referral.consent.withdrawn_at is not None:
        raise ConsentWithdrawn()
    if referral.status not in ("sealed", "failed", "sent", "queued"):
        raise NotEditable()
    with session.write() as conn:
        referral_repo.set_status(conn, referral_id, "queued")
        outbox_repo.mark_queued(conn, referral_id)
        audit_repo.append(conn, session.user.id, "referral.queue", "referral", referral_id)


def seal_and_queue(session: Session, referral_id: str, *, exact: bool = False, reason: str = "",
                   seen: Preview | None = None) -> str:
    """Seal and queue in one step; refused before sealing when this user may not queue."""
    _require_send(session)
    packet_id = seal(session, referral_id, exact=exact, reason=reason, seen=seen)
    queue(session, referral_id)
    return packet_id


def withdraw(session: Session, referral_id: str) -> Referral:
    """Record that consent was withdrawn. A referral not yet sent is never sent: its sealed packet is deleted
    and its status becomes "withdrawn". When CMM has or may have the packet (it was sent, or a delivery was
    tried), a withdrawal notice signed by the organisation and sealed to CMM goes with the next sync; CMM's
    intake erases the referral (or keeps it out, if it never came) and confirms with a receipt."""
    session.require("records")
    referral = _get(session, referral_id)
    row = outbox_repo.for_referral(session.conn, referral_id)
    reached = row is not None and (referral.status not in UNSENT or row.attempts > 0 or bool(row.sent_at))
    notice = None
    if reached and withdrawal_repo.for_referral(session.conn, referral_id) is None:
        body = packet.withdrawal_notice(packet.new_packet_id(), config.org_id(session), row.packet_id,
                                        referral.reference)
        notice = (body, crypto.sign_and_seal(crypto.canonical_json(body), config.org_seed(session),
                                             config.require_cmm_key(session)))
    with session.write() as conn:
        referral_repo.withdraw_consent(conn, referral_id, session.user.id)
        if referral.status in UNSENT:
            outbox_repo.delete_for_referral(conn, referral_id)
            referral_repo.set_status(conn, referral_id, "withdrawn")
        if notice is not None:
            body, sealed = notice
            withdrawal_repo.insert(conn, body, referral_id, sealed, hashlib.sha256(sealed).hexdigest())
            audit_repo.append(conn, session.user.id, "referral.withdrawal_notice", "referral", referral_id)
        audit_repo.append(conn, session.user.id, "referral.withdraw", "referral", referral_id)
    return _get(session, referral_id)


@dataclass(frozen=True)
class OutboxEntry:
    referral_id: str
    person_id: str
    status: str
    status_label: str
    immediate_danger: bool
    consent_withdrawn: bool
    packet_id: str = ""
    attempts: int = 0
    last_error: str = ""
    sealed_at: str = ""
    sent_at: str = ""
    acknowledged_at: str = ""
    alias: str = ""          # the person's alias: kept here, never in the packet
    created_at: str = ""
    withdrawal: str = ""     # the withdrawal notice to CMM: "", queued, sent or acknowledged (erased at CMM)
    cmm_status: str = ""     # CMM's latest answer, in words ("Interview booked: 8 Dec 2026 – 10 Dec 2026")
    cmm_code: str = ""       # its REPLY_STATUSES code


def list_outbox(session: Session, statuses: tuple[str, ...] = ()) -> list[OutboxEntry]:
    """Every referral (or those with the given statuses) with its delivery state, newest last."""
    session.require("records")
    conn = session.conn
    # A few queries in all, whatever the number of referrals (the list is read on the window's thread).
    outbox = {row.referral_id: row for row in outbox_repo.list_rows(conn)}
    aliases, answered = people_repo.referred_aliases(conn), reply_repo.by_referral(conn)
    notices = withdrawal_repo.by_referral(conn)
    entries = []
    for referral in referral_repo.list_all(conn, statuses):
        row = outbox.get(referral.id)
        entry = OutboxEntry(referral.id, referral.person_id, referral.status, _(STATUSES[referral.status]),
                            referral.immediate_danger,
                            bool(referral.consent and referral.consent.withdrawn_at),
                            alias=aliases.get(referral.person_id, ""),
                            created_at=referral.created_at.isoformat() if referral.created_at else "")
        if row is not None:
            entry = replace(entry, packet_id=row.packet_id, attempts=row.attempts, last_error=row.last_error,
                            sealed_at=row.sealed_at, sent_at=row.sent_at or "",
                            acknowledged_at=row.acknowledged_at or "")
        answers = answered.get(referral.id)
        if answers:
            entry = replace(entry, cmm_status=summary.reply_words(answers[-1]), cmm_code=answers[-1].status)
        notice = notices.get(referral.id)
        if notice is not None:
            label = (_("Consent withdrawn; erased at CMM") if notice.status == "acknowledged"
                     else _("Consent withdrawn; CMM is being told"))
            entry = replace(entry, withdrawal=notice.status, status_label=label)
        entries.append(entry)
    return entries


def replies(session: Session, referral_id: str) -> list[reply_repo.StoredReply]:
    """What CMM answered about a referral (and outcomes learned by phone), oldest first."""
    session.require("records")
    return reply_repo.for_referral(session.conn, referral_id)


def record_outcome(session: Session, referral_id: str, answer: Answer) -> reply_repo.StoredReply:
    """An outcome the organisation learned from CMM by phone, kept like a reply (marked as by phone)."""
    session.require("records")
    referral = _get(session, referral_id)
    if referral.status in UNSENT or referral.status == "withdrawn":
        raise NotEditable(_("CMM can only answer about a referral that was sent."))
    if referral.consent is not None and referral.consent.withdrawn_at is not None:
        raise ConsentWithdrawn()
    try:
        built = reply.build("0" * 32, "0" * 32, "0" * 24, answer)
    except ValueError as exc:
        raise ValidationError({"status": _("An interview needs its dates (the first not after the last), an "
                                          "assessment its outcome, a contact person a role.")}) from exc
    window = built.get("window") or {}
    with session.write() as conn:
        # Numbered like the latest answer known (CMM's own or by phone), and stored after it: it is the latest.
        known = reply_repo.for_referral(conn, referral_id)
        stored = reply_repo.StoredReply(built["reply_id"], referral_id, "phone", answer.status, window.get("from"),
                                        window.get("to"), answer.assessment, answer.contact_role, built["date"], "",
                                        max((r.sequence for r in known), default=0))
        reply_repo.insert(conn, stored, session.user.id)
        audit_repo.append(conn, session.user.id, "referral.outcome_by_phone", "referral", referral_id)
    return next(r for r in reply_repo.for_referral(session.conn, referral_id) if r.reply_id == stored.reply_id)


def interview_follow_ups(session: Session) -> list[FollowUp]:
    """Interviews CMM booked about referrals this user made: follow-ups due from the day the answer came (tell
    the person, arrange the way there), until marked done."""
    session.require("records")
    found = []
    for row in reply_repo.interview_follow_ups(session.conn, session.user.id):
        what = _("Interview at CMM: {window}: tell the person").format(window=summary.window_words(
            row.window_from, row.window_to))
        found.append(FollowUp("", row.person_id, row.alias, "cmm_interview", _local_day(row.received_at),
                              _local_day(row.referred_at), reply_id=row.reply_id, what=what))
    return found


def complete_interview_follow_up(session: Session, reply_id: str) -> None:
    """The worker acted on an interview CMM booked: it leaves the follow-ups."""
    session.require("records")
    with session.write() as conn:
        referral_id = reply_repo.set_follow_up_done(conn, reply_id, session.user.id)
        if referral_id is None:
            raise ReferralNotFound()
        audit_repo.append(conn, session.user.id, "referral.follow_up_done", "referral", referral_id)


def _local_day(moment: str) -> date:
    try:
        return datetime.fromisoformat(moment).astimezone().date()
    except ValueError:
        return datetime.now(UTC).astimezone().date()
