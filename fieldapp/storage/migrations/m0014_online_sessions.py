# Online outreach, reported apart from visits: per session the platform, ads screened and flagged, messages sent,
# replies and people reached. Counts only: no profile, name or number of anyone is kept.
SQL = """
CREATE TABLE online_sessions (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    started_at TEXT NOT NULL,
    platform TEXT NOT NULL,
    ads_screened INTEGER NOT NULL DEFAULT 0 CHECK (ads_screened >= 0),
    ads_flagged INTEGER NOT NULL DEFAULT 0 CHECK (ads_flagged >= 0),
    messages_sent INTEGER NOT NULL DEFAULT 0 CHECK (messages_sent >= 0),
    replies INTEGER NOT NULL DEFAULT 0 CHECK (replies >= 0),
    people_reached INTEGER NOT NULL DEFAULT 0 CHECK (people_reached >= 0),
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER
);
CREATE INDEX online_sessions_started ON online_sessions(started_at);
"""
