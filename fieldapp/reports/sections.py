"""The report's tables, built from the grouped counts of ``report_repo`` for a period and the
same period a year earlier. Labels are translated here, at build time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from fieldapp.domain import codes, custom_codes
from fieldapp.domain.places import nationality_name
from fieldapp.domain.referral import REPLY_STATUSES, STATUSES
from fieldapp.domain.values import local_day_start, moment_text
from fieldapp.i18n import N_, _, current_language
from fieldapp.reports.model import Section, Table
from fieldapp.storage import report_repo
from fieldapp.storage.connection import Connection

AGE_GROUP_LABELS = {
    "under_18": N_("Under 18"), "18_24": N_("18–24"), "25_34": N_("25–34"), "35_44": N_("35–44"),
    "45_plus": N_("45 and over"), "unknown": N_("Age unknown"),
}


@dataclass(frozen=True)
class Period:
    start: date       # first local day
    end: date         # last local day (inclusive)
    low: str          # UTC moment, inclusive
    high: str         # UTC moment, exclusive

    @property
    def year(self) -> int:
        """The calendar year of the period's last day (for ages from birth years)."""
        return self.end.year


def _this_and_before() -> tuple[str, str]:
    return _("This period"), _("Same period a year before")


def _axis(vocabulary: Mapping[str, str], seen: Iterable[str], unknown: str | None = None) -> list[tuple[str, str]]:
    """(code, label) for every code of the vocabulary, then codes met in the data but not in it."""
    axis = [(code, _(label)) for code, label in vocabulary.items()]
    extra = sorted(set(seen) - set(vocabulary))
    return axis + [(code, unknown if (code == "" and unknown) else code) for code in extra]


def _two_way(key: str, title: str, rows: list, cols: list, counts: Mapping, **flags) -> Table:
    cells = tuple(tuple(counts.get((r, c), 0) for c, _label in cols) for r, _label in rows)
    return Table(key, title, tuple(label for _code, label in rows), tuple(label for _code, label in cols),
                 cells, **flags)


def _compare(key: str, title: str, rows: list, now: Mapping, before: Mapping, **flags) -> Table:
    """A table of one count per row, this period beside the same period a year before."""
    cells = tuple((now.get(code, 0), before.get(code, 0)) for code, _label in rows)
    return Table(key, title, tuple(label for _code, label in rows), _this_and_before(), cells, **flags)


# -- activity -----------------------------------------------------------------------------------

def key_figures(conn: Connection, now: Period, before: Period, with_referrals: bool) -> Table:
    a = report_repo.key_counts(conn, now.low, now.high)
    b = report_repo.key_counts(conn, before.low, before.high)
    a["refused"] = report_repo.refusals_count(conn, now.start.isoformat(), now.end.isoformat())
    b["refused"] = report_repo.refusals_count(conn, before.start.isoformat(), before.end.isoformat())
    rows = [("visits", _("Outreach visits")), ("people_met", _("People met at visits")),
            ("contacts", _("Contacts")), ("people", _("Unique people contacted"))]
    if with_referrals:
        a["referrals"] = report_repo.referrals_count(conn, now.low, now.high)
        b["referrals"] = report_repo.referrals_count(conn, before.low, before.high)
        rows.append(("referrals", _("Referrals to CMM")))
    rows.append(("refused", _("People who did not want to be recorded (counted only)")))
    a["historic"] = report_repo.historic_count(conn, now.start.isoformat(), now.end.isoformat())
    b["historic"] = report_repo.historic_count(conn, before.start.isoformat(), before.end.isoformat())
    if a["historic"] or b["historic"]:
        rows.append(("historic", _("People of old records past their time when imported (counted only)")))
    return _compare("key_figures", _("Key figures"), rows, a, b, chart="")


def visits_by_kind_region(conn: Connection, now: Period) -> Table:
    found = [(codes.VENUE_KINDS.parent(kind), region, n)               # own kinds count as their parents
             for kind, region, n in report_repo.visits_by_kind_region(conn, now.low, now.high)]
    counts: dict[tuple[str, str], int] = {}
    for kind, region, n in found:
        counts[(kind, region)] = counts.get((kind, region), 0) + n
    rows = _axis(codes.VENUE_KINDS.standard, (k for k, _r, _n in found))
    cols = _axis(codes.REGIONS, (r for _k, r, _n in found), unknown=_("Region not recorded"))
    return _two_way("visits_by_kind_region", _("Visits by venue kind and region"), rows, cols, counts,
                    row_totals=True, col_totals=True)


def _kinds_and_indicators(conn: Connection, period: Period) -> tuple[dict[str, int], dict[str, int]]:
    """Contacts per kind (kinds outside the code list under "other") and per indicator code."""
    total, kinds, indicators = report_repo.contacts_by_kind_and_indicators(
        conn, period.low, period.high, tuple(codes.CONTACT_KINDS), tuple(codes.INDICATORS))
    if total > sum(kinds.values()):
        kinds["other"] = total - sum(kinds.values())
    return kinds, indicators


def contacts_by_kind(conn: Connection, now: Period, before: Period) -> Table:
    a, b = _kinds_and_indicators(conn, now)[0], _kinds_and_indicators(conn, before)[0]
    rows = _axis(codes.CONTACT_KINDS, [*a, *b])
    return _compare("contacts_by_kind", _("Contacts by kind"), rows, a, b, col_totals=True)


def contacts_by_month(conn: Connection, now: Period, before: Period) -> Table:
    months = _months(now.start, now.end)
    a = report_repo.contacts_in_ranges(conn, [_month_range(now, y, m) for y, m in months])
    b = report_repo.contacts_in_ranges(conn, [_month_range(before, y - 1, m) for y, m in months])
    rows = [(f"{y:04d}-{m:02d}", f"{y:04d}-{m:02d}") for y, m in months]
    return _compare("contacts_by_month", _("Contacts by month"), rows, dict(zip([r for r, _l in rows], a, strict=True)),
                    dict(zip([r for r, _l in rows], b, strict=True)), col_totals=True, chart="line")


def _months(start: date, end: date) -> list[tuple[int, int]]:
    out, (year, month) = [], (start.year, start.month)
    while (year, month) <= (end.year, end.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _month_range(period: Period, year: int, month: int) -> tuple[str, str]:
    """The part of a local calendar month inside the period, as UTC moments."""
    first = max(date(year, month, 1), period.start)
    after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (max(moment_text(local_day_start(first)), period.low), min(moment_text(local_day_start(after)), period.high))


def online_table(conn: Connection, now: Period, before: Period) -> Table:
    """Online outreach, apart from visits: sessions and what they reached."""
    a = report_repo.online_figures(conn, now.low, now.high)
    b = report_repo.online_figures(conn, before.low, before.high)
    rows = [("sessions", _("Online outreach sessions")), ("ads_screened", _("Ads screened")),
            ("ads_flagged", _("Ads with signs of exploitation")), ("messages_sent", _("Messages sent")),
            ("replies", _("Replies")), ("people_reached", _("People reached online"))]
    return _compare("online", _("Online outreach"), rows, a, b, chart="")


def online_platforms(conn: Connection, now: Period, before: Period) -> Table:
    a = custom_codes.fold(report_repo.online_by_platform(conn, now.low, now.high), "platforms")
    b = custom_codes.fold(report_repo.online_by_platform(conn, before.low, before.high), "platforms")
    return _compare("online_platforms", _("Online outreach sessions by platform"),
                    _axis(codes.PLATFORMS.standard, [*a, *b]), a, b, col_totals=True)


def activity(conn: Connection, now: Period, before: Period, with_referrals: bool) -> Section:
    return Section("activity", _("Outreach activity"), (
        key_figures(conn, now, before, with_referrals), visits_by_kind_region(conn, now),
        contacts_by_kind(conn, now, before), contacts_by_month(conn, now, before), online_table(conn, now, before),
        online_platforms(conn, now, before)))


# -- people and signs ---------------------------------------------------------------------------

def people_table(conn: Connection, now: Period) -> Table:
    found = report_repo.people_by_nationality_gender_age(conn, now.low, now.high, now.year)
    counts = {((nat, gender), age): n for nat, gender, age, n in found}
    language = current_language()
    nat_names = {nat: nationality_name(nat, language) if nat else _("Nationality not recorded")
                 for nat, _g, _a, _n in found}
    rows = [((nat, gender), f"{nat_names[nat]} · {_(codes.GENDERS.get(gender, gender))}")
            for nat, gender in sorted({(n, g) for n, g, _a, _c in found}, key=lambda p: (nat_names[p[0]], p[1]))]
    cols = [(age, _(label)) for age, label in AGE_GROUP_LABELS.items()]
    return _two_way("people", _("People by nationality, gender and age group"), rows, cols, counts,
                    col_totals=True, chart="")


def indicators_table(conn: Connection, now: Period, before: Period) -> Table:
    a, b = _kinds_and_indicators(conn, now)[1], _kinds_and_indicators(conn, before)[1]
    rows = _axis(codes.INDICATORS, [*a, *b])
    return _compare("indicators", _("Contacts where an indicator was observed"), rows, a, b,
                    note=_("A contact can show several indicators, so the rows do not add up."))


def people(conn: Connection, now: Period, before: Period) -> Section:
    return Section("people", _("People and indicators"), (people_table(conn, now),
                                                          indicators_table(conn, now, before)))


# -- exploitation, work and crime (CMM's groupings) ---------------------------------------------

AGE_CLASSES = {"child": N_("Children (under 18)"), "adult": N_("Adults"), "unknown": N_("Age unknown")}


def exploitation_table(conn: Connection, now: Period) -> Table:
    """People by suspected form of exploitation, with columns by gender and by age class, as CMM's annual
    report groups victims."""
    found = report_repo.people_by_code_gender_age(conn, "exploitation", now.low, now.high, now.year)
    counts: dict[tuple[str, str], int] = {}
    for form, gender, age, n in found:
        counts[(form, "g:" + gender)] = counts.get((form, "g:" + gender), 0) + n
        counts[(form, "a:" + age)] = counts.get((form, "a:" + age), 0) + n
    rows = _axis(codes.EXPLOITATION_FORMS, (f for f, _g, _a, _n in found))
    cols = [("g:" + code, label) for code, label in _axis(codes.GENDERS, (g for _f, g, _a, _n in found))]
    cols += [("a:" + code, _(label)) for code, label in AGE_CLASSES.items()]
    return _two_way("exploitation_people", _("People by suspected form of exploitation, gender and age"), rows,
                    cols, counts, chart="",
                    note=_("The gender columns and the age columns each count the people of a row. A person can "
                           "be suspected of more than one form, so the rows do not add up."))


def _people_by(conn: Connection, column: str, period: Period) -> dict[str, int]:
    counts: dict[str, int] = {}
    for code, _gender, _age, n in report_repo.people_by_code_gender_age(conn, column, period.low, period.high,
                                                                        period.year):
        counts[code] = counts.get(code, 0) + n
    return counts


def industries_table(conn: Connection, now: Period, before: Period) -> Table:
    a, b = _people_by(conn, "industry", now), _people_by(conn, "industry", before)
    return _compare("industries", _("People by industry of the work"), _axis(codes.INDUSTRIES, [*a, *b]), a, b,
                    note=_("A person counts once for each industry their contacts name."))


def crime_forms_table(conn: Connection, now: Period, before: Period) -> Table:
    a, b = _people_by(conn, "crime_forms", now), _people_by(conn, "crime_forms", before)
    return _compare("crime_forms", _("People by form of forced crime"), _axis(codes.CRIME_FORMS, [*a, *b]), a, b,
                    note=_("A person can be forced into more than one form of crime, so the rows do not add up."))


def exploitation(conn: Connection, now: Period, before: Period) -> Section:
    return Section("exploitation", _("Exploitation, work and crime"), (
        exploitation_table(conn, now), industries_table(conn, now, before), crime_forms_table(conn, now, before)))


# -- referrals and materials --------------------------------------------------------------------

def referrals(conn: Connection, now: Period) -> Section:
    found = report_repo.referrals_by_form_status(conn, now.low, now.high)
    counts = {(form, status): n for form, status, n in found}
    rows = _axis(codes.EXPLOITATION_FORMS, (f for f, _s, _n in found), unknown=_("Not recorded"))
    cols = _axis(STATUSES, (s for _f, s, _n in found))
    table = _two_way("referrals", _("Referrals by suspected exploitation form and status"), rows, cols, counts,
                     note=_("A referral can name several forms, so the rows do not add up."))
    outcomes = dict(report_repo.referrals_by_outcome(conn, now.low, now.high))
    answer_rows = [("", _("No answer from CMM yet")), *((code, _(label)) for code, label in REPLY_STATUSES.items())]
    answered = Table("referral_outcomes", _("Referrals by CMM's latest answer"),
                     tuple(label for _code, label in answer_rows), (_("Referrals"),),
                     tuple((outcomes.get(code, 0),) for code, _label in answer_rows), col_totals=True)
    return Section("referrals", _("Referrals to CMM"), (table, answered))


def materials(conn: Connection, now: Period) -> Section:
    found = [(custom_codes.parent("languages", lang), kind, n)
             for lang, kind, n in report_repo.materials_by_kind_language(conn, now.low, now.high)]
    counts: dict[tuple[str, str], int] = {}
    for lang, kind, n in found:
        counts[(lang, kind)] = counts.get((lang, kind), 0) + n
    rows = [(lang, lang) for lang in sorted({lang for lang, _k, _n in found})]
    cols = _axis(codes.MATERIAL_KINDS, (k for _l, k, _n in found))
    table = _two_way("materials", _("Materials handed out by language and kind"), rows, cols, counts,
                     row_totals=True, col_totals=True)
    return Section("materials", _("Materials"), (table,))


# -- restricted sections ------------------------------------------------------------------------

def health(conn: Connection, now: Period, before: Period) -> Section:
    a = {reason: (n, referred) for reason, n, referred in report_repo.health_by_reason(conn, now.low, now.high)}
    b = {reason: n for reason, n, _r in report_repo.health_by_reason(conn, before.low, before.high)}
    rows = _axis(codes.HEALTH_REASONS, [*a, *b])
    cells = tuple((a.get(code, (0, 0))[0], a.get(code, (0, 0))[1], b.get(code, 0)) for code, _label in rows)
    table = Table("health", _("Health contacts by reason"), tuple(label for _c, label in rows),
                  (_("Health contacts"), _("Referred to public health care"), _("Health contacts a year before")),
                  cells, col_totals=True)
    return Section("health", _("Health"), (table, health_clients(conn, now, before)))


def health_clients(conn: Connection, now: Period, before: Period) -> Table:
    """AmiAmi's health figures as counts of people (the reader computes the shares, so that small counts
    can be suppressed like any other)."""
    a = report_repo.health_client_figures(conn, now.low, now.high)
    b = report_repo.health_client_figures(conn, before.low, before.high)
    rows = [("people", _("People with a health contact")), ("women", _("of them women")),
            ("assaulted", _("of them who disclosed an assault")),
            ("referred", _("of them referred on to public health care")),
            ("over_two_years", _("of them in contact with the health service for more than two years")),
            ("nationalities", _("Nationalities among them"))]
    return _compare("health_clients", _("Health clients: key figures"), rows, a, b, chart="",
                    note=_("Each person counts once in each row. More than two years: the first health contact "
                           "was at least 730 days before the last one in the period."))


def legal(conn: Connection, now: Period, before: Period) -> Section:
    cmm = ("referral_cmm", *(own.code for own in codes.SERVICES.own() if own.parent == "referral_cmm"))
    a = report_repo.legal_figures(conn, now.low, now.high, cmm)
    b = report_repo.legal_figures(conn, before.low, before.high, cmm)
    rows = [("sessions", _("Legal advice sessions")), ("clients", _("Unique clients")),
            ("repeat_clients", _("Repeat clients (two or more sessions)")),
            ("police_assisted", _("Police reports assisted")), ("police_filed", _("Police reports filed")),
            ("lawyer_requested", _("Victim's lawyer requested")),
            ("crime_clients", _("Clients who disclosed a crime")),
            ("cmm_clients", _("Clients referred to CMM")),
            ("first_reached", _("Clients first reached through legal advice"))]
    figures = _compare("legal_figures", _("Legal pilot: key figures"), rows, a, b,
                       note=_("Clients count once in each row. Referred to CMM: the session's outcome or its "
                              "contact's services say so."))
    ta = dict(report_repo.legal_topics(conn, now.low, now.high))
    tb = dict(report_repo.legal_topics(conn, before.low, before.high))
    topics = _compare("legal_topics", _("Legal advice sessions by topic"), _axis(codes.LEGAL_TOPICS, [*ta, *tb]),
                      ta, tb, note=_("A session can cover several topics, so the rows do not add up."))
    crimes = _legal_codes(conn, now, before, "crimes", codes.LEGAL_CRIMES, _("Crimes disclosed by type"))
    perpetrators = _legal_codes(conn, now, before, "perpetrators", codes.ASSAULT_BY,
                                _("Crimes disclosed by who committed them"))
    return Section("legal", _("Legal pilot"), (figures, topics, crimes, perpetrators))


def _legal_codes(conn: Connection, now: Period, before: Period, column: str, vocabulary: Mapping[str, str],
                 title: str) -> Table:
    """Sessions and clients (each once per row) by the codes of ``column``, and clients a year before."""
    a = {code: (sessions, clients) for code, sessions, clients in
         report_repo.legal_by_code(conn, column, now.low, now.high)}
    b = {code: clients for code, _sessions, clients in report_repo.legal_by_code(conn, column, before.low, before.high)}
    rows = _axis(vocabulary, [*a, *b])
    cells = tuple((*a.get(code, (0, 0)), b.get(code, 0)) for code, _label in rows)
    return Table(f"legal_{column}", title, tuple(label for _code, label in rows),
                 (_("Sessions"), _("Clients"), _("Clients a year before")), cells,
                 note=_("A session can record several, so the rows do not add up."))
