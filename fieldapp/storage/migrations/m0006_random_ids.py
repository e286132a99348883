"""Record ids become random 128-bit ids (32 hex digits) in place of counted numbers.

Every record table is rebuilt (SQLite's procedure: a new table, the rows copied with their new ids
and references, the old table dropped, the new one renamed), in the migration's one transaction.
Old contact numbers are kept in ``id_upgrade_contacts`` so the health and legal files, which only
their key holders can open, are converted when one of them next unlocks
(``compartments.convert_ids``). Audit events keep the numbers they were signed with: ``entity_id``
takes both kinds, and an event from before names a record by its old number.
"""

from __future__ import annotations

import sqlcipher3

from fieldapp.storage import compartments
from fieldapp.storage.compartments import ID_MAP, SQL_NEW_ID

_PARENTS = ("venues", "visits", "people", "contacts", "referrals")

_TABLES = {
    "venues": """
CREATE TABLE venues_new (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    municipality TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    is_open INTEGER NOT NULL DEFAULT 1,
    notes TEXT NOT NULL DEFAULT '',
    search_key TEXT NOT NULL DEFAULT ''
) STRICT""",
    "visits": """
CREATE TABLE visits_new (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    venue_id TEXT NOT NULL REFERENCES venues(id),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    people_met INTEGER NOT NULL DEFAULT 0,
    languages TEXT NOT NULL DEFAULT '',
    interpreter INTEGER NOT NULL DEFAULT 0,
    observations TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id)
) STRICT""",
    "visit_team": """
CREATE TABLE visit_team_new (
    visit_id TEXT NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (visit_id, user_id)
) STRICT, WITHOUT ROWID""",
    "visit_materials": """
CREATE TABLE visit_materials_new (
    visit_id TEXT NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (visit_id, kind, language)
) STRICT, WITHOUT ROWID""",
    "people": """
CREATE TABLE people_new (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    reference TEXT NOT NULL UNIQUE,
    alias TEXT NOT NULL,
    alias_key TEXT NOT NULL,
    gender TEXT NOT NULL DEFAULT 'unknown',
    age_estimate INTEGER,
    birth_year INTEGER,
    nationality TEXT NOT NULL DEFAULT '',
    languages TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    phone_consent INTEGER NOT NULL DEFAULT 0,
    first_contact TEXT,
    last_contact TEXT,
    CHECK (phone = '' OR phone_consent = 1)
) STRICT""",
    "contacts": """
CREATE TABLE contacts_new (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    visit_id TEXT REFERENCES visits(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    topics TEXT NOT NULL DEFAULT '',
    services TEXT NOT NULL DEFAULT '',
    indicators TEXT NOT NULL DEFAULT '',
    follow_up TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    exploitation TEXT NOT NULL DEFAULT '',
    follow_up_done INTEGER NOT NULL DEFAULT 0
) STRICT""",
    "referrals": """
CREATE TABLE referrals_new (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    reference TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN
        ('draft', 'sealed', 'queued', 'sent', 'acknowledged', 'failed', 'withdrawn')),
    region TEXT NOT NULL,
    contact_setting TEXT NOT NULL,
    month TEXT NOT NULL,
    indicators TEXT NOT NULL DEFAULT '',
    exploitation_forms TEXT NOT NULL DEFAULT '',
    help_requested TEXT NOT NULL DEFAULT '',
    immediate_danger INTEGER NOT NULL DEFAULT 0,
    generalised TEXT NOT NULL DEFAULT '',
    override_reason TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT""",
    "referral_consents": """
CREATE TABLE referral_consents_new (
    referral_id TEXT NOT NULL PRIMARY KEY REFERENCES referrals(id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('anonymous_notice', 'contact_through_us')),
    sheet_language TEXT NOT NULL,
    sheet_version TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    withdrawn_at TEXT,
    withdrawn_by INTEGER REFERENCES users(id)
) STRICT""",
    "outbox": """
CREATE TABLE outbox_new (
    packet_id TEXT PRIMARY KEY,
    referral_id TEXT NOT NULL UNIQUE REFERENCES referrals(id) ON DELETE CASCADE,
    sealed BLOB,
    digest TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    transport TEXT NOT NULL DEFAULT '',
    sealed_at TEXT NOT NULL,
    queued_at TEXT,
    sent_at TEXT,
    acknowledged_at TEXT
) STRICT""",
    "audit_events": """
CREATE TABLE audit_events_new (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    action TEXT NOT NULL,
    entity TEXT NOT NULL DEFAULT '',
    entity_id ANY,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    signer TEXT,
    signer_prev TEXT,
    signature BLOB
) STRICT""",
}

# Columns that name another record, and the map that gives their new ids.
_REFERENCES = {
    "visits": {"id": "visits", "venue_id": "venues"},
    "visit_team": {"visit_id": "visits"},
    "visit_materials": {"visit_id": "visits"},
    "venues": {"id": "venues"},
    "people": {"id": "people"},
    "contacts": {"id": "contacts", "person_id": "people", "visit_id": "visits"},
    "referrals": {"id": "referrals", "person_id": "people"},
    "referral_consents": {"referral_id": "referrals"},
    "outbox": {"referral_id": "referrals"},
    "audit_events": {},
}

_INDEXES = """
CREATE INDEX venues_search ON venues(search_key);
CREATE INDEX visits_started ON visits(started_at);
CREATE INDEX visits_venue ON visits(venue_id, started_at);
CREATE INDEX visit_team_user ON visit_team(user_id);
CREATE INDEX people_alias ON people(alias_key, nationality);
CREATE INDEX people_nationality ON people(nationality, age_estimate);
CREATE INDEX people_last_contact ON people(last_contact);
CREATE INDEX contacts_person ON contacts(person_id, occurred_at);
CREATE INDEX contacts_visit ON contacts(visit_id);
CREATE INDEX contacts_occurred ON contacts(occurred_at);
CREATE INDEX contacts_follow_up ON contacts(follow_up) WHERE follow_up IS NOT NULL AND follow_up_done = 0;
CREATE INDEX contacts_report ON contacts(occurred_at, person_id, kind, indicators);
CREATE INDEX referrals_person ON referrals(person_id);
CREATE INDEX referrals_status ON referrals(status);
CREATE INDEX referrals_created ON referrals(created_at);
CREATE INDEX audit_events_signer ON audit_events(signer, id);
"""


def run(conn: sqlcipher3.Connection) -> None:
    compartments.register_new_id(conn)
    for parent in _PARENTS:
        conn.execute(f"CREATE TEMP TABLE ids_{parent} (old INTEGER PRIMARY KEY, new TEXT NOT NULL UNIQUE)")
        conn.execute(f"INSERT INTO temp.ids_{parent} SELECT id, {SQL_NEW_ID} FROM main.{parent}")
    conn.execute(f"CREATE TABLE main.{ID_MAP} (old INTEGER PRIMARY KEY, new TEXT NOT NULL UNIQUE) STRICT")
    conn.execute(f"INSERT INTO main.{ID_MAP} SELECT old, new FROM temp.ids_contacts")
    for table, ddl in _TABLES.items():
        _rebuild(conn, table, ddl)
    for statement in _INDEXES.strip().splitlines():
        conn.execute(statement)
    compartments.convert_ids(conn, "main")      # health and legal tables of a one-key vault
    for parent in _PARENTS:
        conn.execute(f"DROP TABLE temp.ids_{parent}")


def _rebuild(conn: sqlcipher3.Connection, table: str, ddl: str) -> None:
    conn.execute(ddl)
    columns = [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]
    mapped = _REFERENCES[table]
    select, joins = [], []
    for column in columns:
        if column in mapped:
            alias = f"m_{column}"
            select.append(f"{alias}.new")
            joins.append(f"LEFT JOIN temp.ids_{mapped[column]} AS {alias} ON {alias}.old = t.{column}")
        else:
            select.append(f"t.{column}")
    conn.execute(f"INSERT INTO main.{table}_new ({', '.join(columns)}) SELECT {', '.join(select)}"
                 f" FROM main.{table} AS t {' '.join(joins)}")
    conn.execute(f"DROP TABLE main.{table}")
    conn.execute(f"ALTER TABLE main.{table}_new RENAME TO {table}")
