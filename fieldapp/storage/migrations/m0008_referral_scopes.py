# Two consent scopes (an anonymous notice, or a referral for assessment that shares what CMM needs in
# order to act), the sentence about police reports read aloud, what the person agreed to share for an
# assessment, when the worker called for help in an urgent case, what each sealed packet said, notices
# of consent withdrawn after sending, and CMM's replies. The consent table is rebuilt because SQLite cannot
# change a CHECK; a consent of the old scope "contact_through_us" is kept as it was.
SQL = """
CREATE TABLE referral_consents_new (
    referral_id TEXT NOT NULL PRIMARY KEY REFERENCES referrals(id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('anonymous_notice', 'assessment', 'contact_through_us')),
    sheet_language TEXT NOT NULL,
    sheet_version TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    withdrawn_at TEXT,
    withdrawn_by INTEGER REFERENCES users(id),
    notice_read INTEGER NOT NULL DEFAULT 0 CHECK (notice_read IN (0, 1))
) STRICT;
INSERT INTO referral_consents_new (referral_id, scope, sheet_language, sheet_version, recorded_by, recorded_at,
                                   withdrawn_at, withdrawn_by)
    SELECT referral_id, scope, sheet_language, sheet_version, recorded_by, recorded_at, withdrawn_at, withdrawn_by
    FROM referral_consents;
DROP TABLE referral_consents;
ALTER TABLE referral_consents_new RENAME TO referral_consents;

CREATE TABLE referral_assessments (
    referral_id TEXT NOT NULL PRIMARY KEY REFERENCES referrals(id) ON DELETE CASCADE,
    residence_status TEXT NOT NULL,
    police_report TEXT NOT NULL,
    interpreter TEXT NOT NULL DEFAULT '',
    contact_channel TEXT NOT NULL,
    contact_days TEXT NOT NULL,
    contact_times TEXT NOT NULL DEFAULT ''
) STRICT;

ALTER TABLE referrals ADD COLUMN urgent_call_at TEXT;
-- What a sealed packet said of the person's quasi-identifiers, and at which detail: a later packet is
-- counted against what CMM holds, not against today's record (JSON; NULL before this version).
ALTER TABLE referrals ADD COLUMN sent_values TEXT;

-- Consent withdrawn after a packet was sent: a signed notice sealed to CMM, whose intake erases the referral
-- and answers with a receipt for the notice. A notice outlives the referral's erasure here: it is still to go.
CREATE TABLE withdrawal_notices (
    notice_id TEXT PRIMARY KEY,
    referral_id TEXT UNIQUE REFERENCES referrals(id) ON DELETE SET NULL,
    packet_id TEXT NOT NULL,
    reference TEXT NOT NULL,
    sealed BLOB NOT NULL,
    digest TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'acknowledged')),
    created_at TEXT NOT NULL,
    sent_at TEXT,
    acknowledged_at TEXT
) STRICT;

-- What CMM answered about a referral (a reply it signed), or what the organisation learned by phone.
CREATE TABLE referral_replies (
    reply_id TEXT PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN ('cmm', 'phone')),
    sequence INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    window_from TEXT,
    window_to TEXT,
    assessment TEXT NOT NULL DEFAULT '',
    contact_role TEXT NOT NULL DEFAULT '',
    dated TEXT NOT NULL,
    received_at TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id)
) STRICT;
CREATE INDEX referral_replies_referral ON referral_replies(referral_id, dated, sequence);
"""
