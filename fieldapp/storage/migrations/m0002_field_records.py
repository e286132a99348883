SQL = """
CREATE TABLE venues (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    municipality TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    is_open INTEGER NOT NULL DEFAULT 1,
    notes TEXT NOT NULL DEFAULT '',
    search_key TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX venues_search ON venues(search_key);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    venue_id INTEGER NOT NULL REFERENCES venues(id),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    people_met INTEGER NOT NULL DEFAULT 0,
    languages TEXT NOT NULL DEFAULT '',
    interpreter INTEGER NOT NULL DEFAULT 0,
    observations TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id)
) STRICT;
CREATE INDEX visits_started ON visits(started_at);
CREATE INDEX visits_venue ON visits(venue_id, started_at);

CREATE TABLE visit_team (
    visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (visit_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX visit_team_user ON visit_team(user_id);

CREATE TABLE visit_materials (
    visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (visit_id, kind, language)
) STRICT, WITHOUT ROWID;

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
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
) STRICT;
CREATE INDEX people_alias ON people(alias_key, nationality);
CREATE INDEX people_nationality ON people(nationality, age_estimate);
CREATE INDEX people_last_contact ON people(last_contact);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    visit_id INTEGER REFERENCES visits(id) ON DELETE SET NULL,
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
) STRICT;
CREATE INDEX contacts_person ON contacts(person_id, occurred_at);
CREATE INDEX contacts_visit ON contacts(visit_id);
CREATE INDEX contacts_occurred ON contacts(occurred_at);
CREATE INDEX contacts_follow_up ON contacts(follow_up) WHERE follow_up IS NOT NULL AND follow_up_done = 0;

CREATE TABLE health_contacts (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL UNIQUE REFERENCES contacts(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    tests_offered TEXT NOT NULL DEFAULT '',
    tests_taken TEXT NOT NULL DEFAULT '',
    referred_public_care INTEGER NOT NULL DEFAULT 0,
    assaults TEXT NOT NULL DEFAULT '',
    assault_by TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE legal_sessions (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL UNIQUE REFERENCES contacts(id) ON DELETE CASCADE,
    adviser_id INTEGER NOT NULL REFERENCES users(id),
    topics TEXT NOT NULL DEFAULT '',
    interpreter INTEGER NOT NULL DEFAULT 0,
    police_report_assisted INTEGER NOT NULL DEFAULT 0,
    police_report_filed INTEGER NOT NULL DEFAULT 0,
    victims_lawyer_requested INTEGER NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL DEFAULT '',
    follow_up TEXT
) STRICT;
"""
