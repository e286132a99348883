"""What will be sent, in plain words, in the UI language: shown to the worker before sealing."""

from __future__ import annotations

from fieldapp.domain import codes
from fieldapp.domain.referral import (
    CONTACT_CHANNELS,
    CONTACT_DAYS,
    CONTACT_TIMES,
    HELP_REQUESTED,
    POLICE_REPORT_WISHES,
    RESIDENCE_STATUSES,
    SCOPE_LABELS,
    STEP_LABELS,
    Generalisation,
)
from fieldapp.i18n import _, ngettext
from fieldapp.protocol.words import (
    age_words,
    answer_words,
    day_words,
    interpreter_words,
    language_words,
    nationality_words,
    period_words,
)
from fieldapp.protocol.words import (
    labels_words as _labels,
)


def describe(packet: dict) -> list[str]:
    """One line per field of the packet, exactly as it will be sent."""
    consent = packet["consent"]
    region, setting = codes.REGIONS[packet["region"]], codes.CONTACT_KINDS[packet["contact_setting"]]
    gender, scope = codes.GENDERS[packet["gender"]], SCOPE_LABELS[consent["scope"]]
    lines = [
        _("Region: {value}").format(value=_(region)),
        _("When: {value}").format(value=period_words(packet["period"])),
        _("How you met: {value}").format(value=_(setting)),
        _("Gender: {value}").format(value=_(gender)),
        _("Age group: {value}").format(value=age_words(packet["age_group"])),
        _("Nationality: {value}").format(value=nationality_words(packet["nationality"])),
        _("Languages: {value}").format(value=language_words(packet["languages"])),
        _("Signs of trafficking: {value}").format(value=_labels(packet["indicators"], codes.INDICATORS)),
        _("Suspected exploitation: {value}").format(
            value=_labels(packet["exploitation_forms"], codes.EXPLOITATION_FORMS)),
        *_work_lines(packet),
        _("Help requested: {value}").format(value=_labels(packet["help_requested"], HELP_REQUESTED)),
        _("Immediate danger: {value}").format(value=_("yes") if packet["immediate_danger"] else _("no")),
        (_("Consent: {scope}; information sheet in {language}, version {version}").format(
            scope=_(scope), language=language_words([consent["sheet_language"]]), version=consent["sheet_version"])
         if "sheet_language" in consent else
         _("Consent: {scope} (the information sheet's language stays with you)").format(scope=_(scope))),
        _("Reference: {value} (only your organisation can link it to the person)").format(
            value=packet["reference"]),
    ]
    if consent.get("notice_read"):
        lines.append(_("The sentence about the police was read aloud to the person."))
    shared = packet.get("assessment")
    if shared:
        contact = shared["contact"]
        lines += [
            _("Consent given on: {date}").format(date=consent["date"]),
            _("Residence status: {value}").format(value=_(RESIDENCE_STATUSES[shared["residence_status"]])),
            _("Police report: {value}").format(value=_(POLICE_REPORT_WISHES[shared["police_report"]])),
            _("Interpreter: {value}").format(value=interpreter_words(shared["interpreter"])),
            _("How CMM can reach the person: {channel}; {days}; {times}").format(
                channel=_(CONTACT_CHANNELS[contact["channel"]]), days=_(CONTACT_DAYS[contact["days"]]),
                times=_labels(contact["times"], CONTACT_TIMES)),
            _("Not sent: name, alias, phone number, address, date of birth or any notes."),
        ]
    else:
        lines.append(_("Not sent: name, alias, phone number, address, date of birth, exact dates or any notes."))
    return lines


def _work_lines(packet: dict) -> list[str]:
    """The industry of the work and the forms of forced crime (a packet of the format before has neither)."""
    if "industries" not in packet:
        return []
    left_out = "industry_crime_left_out" in packet["anonymisation"]["generalised"]
    hidden = _("left out to protect the person")
    lines = [_("Industry of the work: {value}").format(
        value=hidden if left_out else _labels(packet["industries"], codes.INDUSTRIES))]
    if "criminal_activities" in packet["exploitation_forms"]:
        lines.append(_("Forms of forced crime: {value}").format(
            value=hidden if left_out else _labels(packet["crime_forms"], codes.CRIME_FORMS)))
    return lines


def describe_consented() -> list[str]:
    """Why a referral for assessment is sent with its exact details."""
    return [_("The person agreed to a referral for assessment: the details are sent exactly, so that CMM can "
              "act, and not made less exact.")]


def describe_generalisation(gen: Generalisation, *, exact: bool) -> list[str]:
    """Why details were made less exact, or why a reason is needed."""
    lines = []
    if gen.steps:
        lines.append(_("To protect the person, some details are less exact: {steps}.").format(
            steps="; ".join(_(STEP_LABELS[s]) for s in gen.steps)))
    if gen.earlier:
        lines.append(ngettext(
            "Counted together with {count} earlier referral of this person: CMM may read them side by side.",
            "Counted together with {count} earlier referrals of this person: CMM may read them side by side.",
            gen.earlier).format(count=gen.earlier))
    if gen.met:
        lines.append(_("{count} people in your records share these details (at least {k} are needed).").format(
            count=gen.count, k=gen.k))
    elif exact:
        lines.append(_("Exact details are sent although only {count} people in your records share them (at least "
                       "{k} are needed). Give a reason; it stays in your vault and is not sent.").format(
            count=gen.count, k=gen.k))
    else:
        lines.append(_("Even with less exact details only {count} people in your records share them (at least {k} "
                       "are needed). Give a reason to send it anyway; it stays in your vault and is not sent.")
                     .format(count=gen.count, k=gen.k))
    return lines


def window_words(first: str, last: str) -> str:
    """An interview's window: "8 Dec 2026 – 10 Dec 2026", or one day."""
    return day_words(first) if first == last else _("{first} – {last}").format(first=day_words(first),
                                                                                last=day_words(last))


def reply_words(answer) -> str:
    """One of CMM's answers in words: "Interview booked: 8 Dec 2026 – 10 Dec 2026", "Assessed: a victim of
    trafficking", with "(by phone)" for one the organisation recorded itself."""
    text = answer_words(answer.status, answer.window_from, answer.window_to, answer.assessment, answer.contact_role)
    return _("{answer} (by phone)").format(answer=text) if answer.source == "phone" else text
