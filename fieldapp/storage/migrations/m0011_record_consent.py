# Consent to be recorded. Every person kept says whether they agreed (with the information sheet's language and
# version), were not asked yet (and why), or came from an old spreadsheet. People recorded before the app asked are
# "not asked yet: recorded before the app asked for consent", so the next worker who meets them asks.
# Someone who refuses is not recorded: an anonymous count (the day, gender and adult or child) is kept instead,
# with a random key and no rowid, author or audit event, so that no count leads back to a worker's visit.
SQL = """
ALTER TABLE people ADD COLUMN record_consent TEXT NOT NULL DEFAULT 'not_asked';
ALTER TABLE people ADD COLUMN consent_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN sheet_language TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN sheet_version TEXT NOT NULL DEFAULT '';
UPDATE people SET consent_reason = 'before_app';
CREATE TABLE anonymous_counts (
    id TEXT NOT NULL PRIMARY KEY,
    counted_on TEXT NOT NULL,
    gender TEXT NOT NULL DEFAULT 'unknown',
    age_class TEXT NOT NULL DEFAULT 'unknown' CHECK (age_class IN ('child', 'adult', 'unknown'))
) WITHOUT ROWID;
CREATE INDEX anonymous_counts_day ON anonymous_counts(counted_on);
"""
