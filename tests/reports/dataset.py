"""A small hand-built dataset, inserted with SQL (the columns of migrations 0002 and 0003, and of the legal
file's step 1), whose counts the report tests check by hand. The period is 2025; the year before is 2024.

2025: venues V1 massage clinic (Capital), V2 street area (Capital), V3 massage clinic (Southern);
visits V1 x3, V2 x6, V3 x1 (2 people met each); 2024: V1 x2.
People: P1 TH woman 30, P2 TH woman 24, P3 RO woman born 2000, P4 NG man 17, P5 unknown; P6 TH woman (2024 only).
Contacts 2025: street 3, venue 2, health 2, legal 2, phone/online 1 (10 in all, 5 people); 2024: 2 (2 people).
"""

from __future__ import annotations

from datetime import date

PERIOD = (date(2025, 1, 1), date(2025, 12, 31))


def _moment(day: str) -> str:
    return f"{day}T12:00:00+00:00"


def _venue(conn, name: str, kind: str, region: str) -> int:
    return conn.execute("INSERT INTO venues (name, kind, region) VALUES (?, ?, ?) RETURNING id",
                        (name, kind, region)).fetchone()[0]


def _visit(conn, venue: int, day: str, materials=()) -> int:
    visit = conn.execute("INSERT INTO visits (venue_id, started_at, people_met) VALUES (?, ?, 2) RETURNING id",
                         (venue, _moment(day))).fetchone()[0]
    conn.executemany("INSERT INTO visit_materials (visit_id, kind, language, quantity) VALUES (?, ?, ?, ?)",
                     [(visit, kind, lang, n) for kind, lang, n in materials])
    return visit


def _person(conn, ref: str, gender: str, nationality: str, age=None, birth_year=None) -> int:
    return conn.execute("INSERT INTO people (reference, alias, alias_key, gender, age_estimate, birth_year,"
                        " nationality) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        (ref, "Alias " + ref, "alias " + ref.lower(), gender, age, birth_year,
                         nationality)).fetchone()[0]


def _contact(conn, person: int, kind: str, day: str, indicators: str = "") -> int:
    return conn.execute("INSERT INTO contacts (person_id, kind, occurred_at, indicators) VALUES (?, ?, ?, ?)"
                        " RETURNING id", (person, kind, _moment(day), indicators)).fetchone()[0]


def _visits(conn) -> None:
    v1 = _venue(conn, "Clinic one", "massage_clinic", "hovedstaden")
    v2 = _venue(conn, "Street two", "street_area", "hovedstaden")
    v3 = _venue(conn, "Clinic three", "massage_clinic", "syddanmark")
    _visit(conn, v1, "2025-03-10", [("leaflet", "th", 10), ("wallet_card", "th", 3)])
    _visit(conn, v1, "2025-04-10", [("leaflet", "ro", 7)])
    _visit(conn, v1, "2025-05-10")
    for month in range(1, 7):
        _visit(conn, v2, f"2025-{month:02d}-15")
    _visit(conn, v3, "2025-11-20")
    _visit(conn, v1, "2024-03-10")
    _visit(conn, v1, "2024-09-10")


def _contacts(conn, adviser: int) -> dict[str, int]:
    p = {"P1": _person(conn, "P1", "woman", "TH", age=30), "P2": _person(conn, "P2", "woman", "TH", age=24),
         "P3": _person(conn, "P3", "woman", "RO", birth_year=2000), "P4": _person(conn, "P4", "man", "NG", age=17),
         "P5": _person(conn, "P5", "unknown", ""), "P6": _person(conn, "P6", "woman", "TH", age=30)}
    _contact(conn, p["P1"], "street", "2025-03-01", "debt threats_violence")
    _contact(conn, p["P1"], "venue", "2025-04-01", "debt")
    h1 = _contact(conn, p["P1"], "health", "2025-06-01")
    l1 = _contact(conn, p["P1"], "legal", "2025-07-01")
    l2 = _contact(conn, p["P1"], "legal", "2025-08-01")
    _contact(conn, p["P2"], "venue", "2025-03-05", "debt,deceived")
    h2 = _contact(conn, p["P2"], "health", "2025-06-05")
    _contact(conn, p["P3"], "street", "2025-05-05")
    _contact(conn, p["P4"], "street", "2025-06-06")
    _contact(conn, p["P5"], "phone_online", "2025-09-09")
    _contact(conn, p["P6"], "street", "2024-03-01", "debt")
    _contact(conn, p["P1"], "street", "2024-04-01")
    conn.executemany("INSERT INTO health_contacts (contact_id, reason, referred_public_care) VALUES (?, ?, ?)",
                     [(h1, "sti_test", 1), (h2, "sti_test", 0)])
    conn.executemany("INSERT INTO legal_sessions (contact_id, adviser_id, topics, police_report_assisted,"
                     " police_report_filed, victims_lawyer_requested, crimes, perpetrators, first_reached_here,"
                     " outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(l1, adviser, "report_violence residence", 1, 1, 1, "sexual physical", "customer", 0, ""),
                      (l2, adviser, "residence", 0, 0, 0, "", "", 0, "referred_cmm")])
    return p


def _referrals(conn, people: dict[str, int]) -> None:
    rows = [(people["P1"], "R-1", "queued", "sexual", "2025-08-02"),
            (people["P2"], "R-2", "draft", "sexual forced_labour", "2025-09-02")]
    conn.executemany("INSERT INTO referrals (person_id, reference, status, region, contact_setting, month,"
                     " exploitation_forms, created_at, updated_at) VALUES (?, ?, ?, 'hovedstaden', 'street',"
                     " substr(?5, 1, 7), ?4, ?5 || 'T12:00:00+00:00', ?5 || 'T12:00:00+00:00')",
                     [(p, ref, status, forms, day) for p, ref, status, forms, day in rows])


def fill(session) -> None:
    """Insert the dataset in one transaction."""
    with session.write() as conn:
        _visits(conn)
        people = _contacts(conn, session.user.id)
        _referrals(conn, people)
