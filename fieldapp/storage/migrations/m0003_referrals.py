SQL = """
CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
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
) STRICT;
CREATE INDEX referrals_person ON referrals(person_id);
CREATE INDEX referrals_status ON referrals(status);

CREATE TABLE referral_consents (
    referral_id INTEGER PRIMARY KEY REFERENCES referrals(id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('anonymous_notice', 'contact_through_us')),
    sheet_language TEXT NOT NULL,
    sheet_version TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    withdrawn_at TEXT,
    withdrawn_by INTEGER REFERENCES users(id)
) STRICT;

CREATE TABLE outbox (
    packet_id TEXT PRIMARY KEY,
    referral_id INTEGER NOT NULL UNIQUE REFERENCES referrals(id) ON DELETE CASCADE,
    sealed BLOB,
    digest TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    transport TEXT NOT NULL DEFAULT '',
    sealed_at TEXT NOT NULL,
    queued_at TEXT,
    sent_at TEXT,
    acknowledged_at TEXT
) STRICT;
"""
