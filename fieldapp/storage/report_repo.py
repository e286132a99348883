"""Every SQL statement of the reports: counts over a period, grouped in the database.

Periods are half-open ranges of UTC moments ``[low, high)`` as stored (ISO text, so text order is
time order). Multi-valued code columns (space- or comma-separated codes) are split with
``json_each`` so that each code is counted by GROUP BY like any other value. Only counts leave
this module: no aliases, notes or other free text are read.
"""

from __future__ import annotations

from collections.abc import Sequence

from fieldapp.storage.compartment_migrations import readable
from fieldapp.storage.connection import Connection

AGE_GROUPS = ("under_18", "18_24", "25_34", "35_44", "45_plus", "unknown")

_AGE_GROUP = """CASE
    WHEN age IS NULL OR age < 0 OR age > 120 THEN 'unknown'
    WHEN age < 18 THEN 'under_18' WHEN age < 25 THEN '18_24' WHEN age < 35 THEN '25_34'
    WHEN age < 45 THEN '35_44' ELSE '45_plus' END"""


def _codes(column: str) -> str:
    """A table-valued expression with one row per code in ``column`` (empty codes filtered by the caller)."""
    return f"""json_each('["' || replace(replace(trim({column}), ',', ' '), ' ', '","') || '"]')"""


# A person with a contact in [low, high): one probe of the (person_id, occurred_at) index per person,
# where "person_id IN (SELECT ...)" or count(DISTINCT person_id) would first sort every id of the period.
_CONTACTED = ("EXISTS (SELECT 1 FROM contacts c WHERE c.person_id = p.id"
              " AND c.occurred_at >= ? AND c.occurred_at < ?)")


def has_table(conn: Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None


def key_counts(conn: Connection, low: str, high: str) -> dict[str, int]:
    """Visits, people met at visits, contacts and unique people contacted in the period."""
    visits, met = conn.execute("SELECT count(*), coalesce(sum(people_met), 0) FROM visits"
                               " WHERE started_at >= ? AND started_at < ?", (low, high)).fetchone()
    contacts = conn.execute("SELECT count(*) FROM contacts WHERE occurred_at >= ? AND occurred_at < ?",
                            (low, high)).fetchone()[0]
    people = conn.execute(f"SELECT count(*) FROM people p WHERE {_CONTACTED}", (low, high)).fetchone()[0]
    return {"visits": visits, "people_met": met, "contacts": contacts, "people": people}


def refusals_count(conn: Connection, first_day: str, last_day: str) -> int:
    """People met who refused to be recorded, counted anonymously, on the local days ``first_day``..``last_day``."""
    return _anonymous_count(conn, "refused", first_day, last_day)


def historic_count(conn: Connection, first_day: str, last_day: str) -> int:
    """People of old records past the retention period at their import, kept as counts, by their last contact."""
    return _anonymous_count(conn, "historic", first_day, last_day)


def _anonymous_count(conn: Connection, reason: str, first_day: str, last_day: str) -> int:
    return conn.execute("SELECT count(*) FROM anonymous_counts WHERE reason = ? AND counted_on >= ?"
                        " AND counted_on <= ?", (reason, first_day, last_day)).fetchone()[0]


ONLINE_COUNTS = ("ads_screened", "ads_flagged", "messages_sent", "replies", "people_reached")


def online_figures(conn: Connection, low: str, high: str) -> dict[str, int]:
    """Online outreach in the period: sessions, and the sums of their counts."""
    row = conn.execute("SELECT count(*), " + ", ".join(f"coalesce(sum({c}), 0)" for c in ONLINE_COUNTS)
                       + " FROM online_sessions WHERE started_at >= ? AND started_at < ?", (low, high)).fetchone()
    return dict(zip(("sessions", *ONLINE_COUNTS), row, strict=True))


def online_by_platform(conn: Connection, low: str, high: str) -> dict[str, int]:
    """Online sessions in the period per platform."""
    return dict(conn.execute("SELECT platform, count(*) FROM online_sessions WHERE started_at >= ? AND started_at < ?"
                             " GROUP BY platform", (low, high)).fetchall())


def visits_by_kind_region(conn: Connection, low: str, high: str) -> list[tuple[str, str, int]]:
    return conn.execute("SELECT n.kind, n.region, count(*) FROM visits v JOIN venues n ON n.id = v.venue_id"
                        " WHERE v.started_at >= ? AND v.started_at < ? GROUP BY n.kind, n.region",
                        (low, high)).fetchall()


def contacts_by_kind_and_indicators(conn: Connection, low: str, high: str, kinds: Sequence[str],
                                    indicators: Sequence[str]) -> tuple[int, dict[str, int], dict[str, int]]:
    """All contacts in the period, those of each kind, and those where each indicator was observed,
    in one pass without a sort (plain sums: on an encrypted vault GROUP BY's sorter is the slow
    part). ``indicators`` must be codes none of which contains another (``instr`` finds them
    whatever the separator)."""
    if any(a != b and a in b for a in indicators for b in indicators):
        raise ValueError("indicator codes must not contain one another")
    sums = ["count(*)"] + ["coalesce(sum(kind = ?), 0)"] * len(kinds)
    sums += ["coalesce(sum(instr(indicators, ?) > 0), 0)"] * len(indicators)
    row = conn.execute(f"SELECT {', '.join(sums)} FROM contacts WHERE occurred_at >= ? AND occurred_at < ?",
                       (*kinds, *indicators, low, high)).fetchone()
    return (row[0], dict(zip(kinds, row[1:1 + len(kinds)], strict=True)),
            dict(zip(indicators, row[1 + len(kinds):], strict=True)))


def contacts_in_ranges(conn: Connection, ranges: list[tuple[str, str]]) -> list[int]:
    """The number of contacts in each ``[low, high)`` range (e.g. local calendar months), counted on
    the occurred_at index alone."""
    return [conn.execute("SELECT count(*) FROM contacts WHERE occurred_at >= ? AND occurred_at < ?",
                         (low, high)).fetchone()[0] for low, high in ranges]


def people_by_nationality_gender_age(conn: Connection, low: str, high: str,
                                     year: int) -> list[tuple[str, str, str, int]]:
    """People contacted in the period by nationality, gender and age group (age in ``year`` when only
    the birth year is known)."""
    return conn.execute(
        f"SELECT nationality, gender, {_AGE_GROUP} AS age_group, count(*) FROM ("
        "  SELECT p.nationality, p.gender, coalesce(p.age_estimate, ? - p.birth_year) AS age FROM people p"
        f"  WHERE {_CONTACTED})"
        " GROUP BY nationality, gender, age_group", (year, low, high)).fetchall()


_GROUPED_COLUMNS = ("exploitation", "industry", "crime_forms")


def people_by_code_gender_age(conn: Connection, column: str, low: str, high: str,
                              year: int) -> list[tuple[str, str, str, int]]:
    """People whose contacts in the period name a code in ``column`` (suspected exploitation forms, the industry
    of the work, forms of forced crime), by that code, gender and age class (``child`` under 18, ``adult``,
    ``unknown``): a person counts once per code, however many contacts name it, as CMM counts victims."""
    if column not in _GROUPED_COLUMNS:
        raise ValueError(column)
    return conn.execute(
        "SELECT f.code, p.gender, CASE WHEN p.age IS NULL OR p.age < 0 OR p.age > 120 THEN 'unknown'"
        "  WHEN p.age < 18 THEN 'child' ELSE 'adult' END AS age_class, count(*) FROM ("
        f"  SELECT DISTINCT c.person_id, j.value AS code FROM contacts c, {_codes('c.' + column)} j"
        f"  WHERE c.occurred_at >= ? AND c.occurred_at < ? AND c.{column} != '' AND j.value != '') f"
        " JOIN (SELECT id, gender, coalesce(age_estimate, ? - birth_year) AS age FROM people) p ON p.id = f.person_id"
        " GROUP BY f.code, p.gender, age_class", (low, high, year)).fetchall()


def referrals_by_form_status(conn: Connection, low: str, high: str) -> list[tuple[str, str, int]]:
    """Referrals created in the period by suspected exploitation form and packet status."""
    return conn.execute(
        f"SELECT j.value AS form, r.status, count(*)"
        f" FROM referrals r, {_codes('r.exploitation_forms')} j"
        " WHERE r.created_at >= ? AND r.created_at < ? GROUP BY form, r.status", (low, high)).fetchall()


def referrals_by_outcome(conn: Connection, low: str, high: str) -> list[tuple[str, int]]:
    """Referrals sent in the period by CMM's latest answer ("" when CMM has not answered), the referral's
    status for one not sent. A vault without replies yet counts every referral under ""."""
    if not has_table(conn, "referral_replies"):
        return conn.execute("SELECT '', count(*) FROM referrals WHERE created_at >= ? AND created_at < ?",
                            (low, high)).fetchall()
    return conn.execute(
        "SELECT coalesce((SELECT a.status FROM referral_replies a WHERE a.referral_id = r.id"
        " ORDER BY a.dated DESC, a.sequence DESC, a.rowid DESC LIMIT 1), ''), count(*) FROM referrals r"
        " WHERE r.created_at >= ? AND r.created_at < ? GROUP BY 1", (low, high)).fetchall()


def referrals_count(conn: Connection, low: str, high: str) -> int:
    return conn.execute("SELECT count(*) FROM referrals WHERE created_at >= ? AND created_at < ?",
                        (low, high)).fetchone()[0]


def materials_by_kind_language(conn: Connection, low: str, high: str) -> list[tuple[str, str, int]]:
    return conn.execute(
        "SELECT m.language, m.kind, sum(m.quantity) FROM visit_materials m JOIN visits v ON v.id = m.visit_id"
        " WHERE v.started_at >= ? AND v.started_at < ? GROUP BY m.language, m.kind", (low, high)).fetchall()


def health_by_reason(conn: Connection, low: str, high: str) -> list[tuple[str, int, int]]:
    """Health contacts by reason, with how many were referred to public health care."""
    return conn.execute(
        "SELECT h.reason, count(*), sum(h.referred_public_care != 0) FROM health_contacts h"
        " JOIN contacts c ON c.id = h.contact_id WHERE c.occurred_at >= ? AND c.occurred_at < ?"
        " GROUP BY h.reason", (low, high)).fetchall()


HEALTH_CLIENT_FIGURES = ("people", "women", "assaulted", "referred", "over_two_years", "nationalities")


def health_client_figures(conn: Connection, low: str, high: str) -> dict[str, int]:
    """People with a health contact in the period, each counted once per figure: all of them, the women,
    those who disclosed an assault or were referred to public health care at a health contact in the
    period, those whose first health contact (ever, up to the period's end) was at least 730 days before
    their last one in the period, and the distinct nationalities recorded for them."""
    row = conn.execute(
        "WITH f AS (SELECT c.person_id, max(c.occurred_at) AS last_at, max(trim(h.assaults) != '') AS assaulted,"
        "  max(h.referred_public_care != 0) AS referred FROM contacts c JOIN health_contacts h ON h.contact_id = c.id"
        "  WHERE c.occurred_at >= ? AND c.occurred_at < ? GROUP BY c.person_id)"
        " SELECT count(*), coalesce(sum(p.gender = 'woman'), 0), coalesce(sum(f.assaulted), 0),"
        " coalesce(sum(f.referred), 0), coalesce(sum(julianday(f.last_at) - julianday("
        "  (SELECT min(e.occurred_at) FROM contacts e JOIN health_contacts g ON g.contact_id = e.id"
        "   WHERE e.person_id = f.person_id AND e.occurred_at <= f.last_at)) >= 730), 0),"
        " count(DISTINCT nullif(trim(p.nationality), ''))"
        " FROM f JOIN people p ON p.id = f.person_id", (low, high)).fetchone()
    return dict(zip(HEALTH_CLIENT_FIGURES, row, strict=True))


def _legal_cmm(services: Sequence[str]) -> str:
    """A legal session whose client was referred to CMM: its outcome says so, or its contact's services name one
    of ``services`` (a parameter each: "referral_cmm" and the organisation's own codes under it)."""
    named = " OR ".join(["instr(' ' || replace(c.services, ',', ' ') || ' ', ' ' || ? || ' ') > 0"] * len(services))
    return f"(l.outcome = 'referred_cmm' OR {named})" if services else "l.outcome = 'referred_cmm'"


def _legal(conn: Connection) -> str:
    """The legal sessions with their contacts, as ``l`` and ``c`` (an old legal file attached read-only
    reads the newer columns as their defaults)."""
    return f"{readable(conn, 'legal_sessions')} l JOIN contacts c ON c.id = l.contact_id"


def legal_figures(conn: Connection, low: str, high: str,
                  cmm_services: Sequence[str] = ("referral_cmm",)) -> dict[str, int]:
    """The legal pilot's figures: sessions, unique and repeat clients (two or more sessions in the
    period), police reports assisted and filed, victim's lawyer requested; and clients (each once) who
    disclosed a crime, who were referred to CMM (``cmm_services``: the service codes that say so), and who
    were first reached through legal advice."""
    row = conn.execute(
        "SELECT count(*), count(DISTINCT c.person_id), coalesce(sum(l.police_report_assisted != 0), 0),"
        " coalesce(sum(l.police_report_filed != 0), 0), coalesce(sum(l.victims_lawyer_requested != 0), 0),"
        " count(DISTINCT CASE WHEN trim(l.crimes) != '' THEN c.person_id END),"
        f" count(DISTINCT CASE WHEN {_legal_cmm(cmm_services)} THEN c.person_id END),"
        " count(DISTINCT CASE WHEN l.first_reached_here != 0 THEN c.person_id END)"
        f" FROM {_legal(conn)} WHERE c.occurred_at >= ? AND c.occurred_at < ?",
        (*cmm_services, low, high)).fetchone()
    repeat = conn.execute(
        f"SELECT count(*) FROM (SELECT c.person_id FROM {_legal(conn)}"
        " WHERE c.occurred_at >= ? AND c.occurred_at < ? GROUP BY c.person_id HAVING count(*) >= 2)",
        (low, high)).fetchone()[0]
    return {"sessions": row[0], "clients": row[1], "repeat_clients": repeat, "police_assisted": row[2],
            "police_filed": row[3], "lawyer_requested": row[4], "crime_clients": row[5], "cmm_clients": row[6],
            "first_reached": row[7]}


def legal_topics(conn: Connection, low: str, high: str) -> list[tuple[str, int]]:
    return [(code, sessions) for code, sessions, _clients in legal_by_code(conn, "topics", low, high)]


_LEGAL_CODE_COLUMNS = ("topics", "crimes", "perpetrators")


def legal_by_code(conn: Connection, column: str, low: str, high: str) -> list[tuple[str, int, int]]:
    """(code, sessions, clients) for each code of a legal session's ``column`` (topics, crimes or
    perpetrators) in the period; a client counts once per code."""
    if column not in _LEGAL_CODE_COLUMNS:
        raise ValueError(column)
    return conn.execute(
        f"SELECT j.value, count(*), count(DISTINCT c.person_id) FROM {_legal(conn)}, {_codes('l.' + column)} j"
        f" WHERE c.occurred_at >= ? AND c.occurred_at < ? AND l.{column} != '' AND j.value != ''"
        " GROUP BY j.value", (low, high)).fetchall()
