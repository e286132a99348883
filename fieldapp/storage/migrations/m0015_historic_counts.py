# Old records brought in by an import that are already past the retention period are not kept as people: if the
# admin chooses, each such person becomes an anonymous count (the day of the last contact, gender, adult or child),
# so that the reports' earlier years stay whole. They are told apart from refusals by ``reason``.
SQL = """
ALTER TABLE anonymous_counts ADD COLUMN reason TEXT NOT NULL DEFAULT 'refused'
    CHECK (reason IN ('refused', 'historic'));
"""
