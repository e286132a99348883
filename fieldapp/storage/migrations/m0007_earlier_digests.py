# A packet re-signed after the organisation's key was replaced keeps its id, and CMM may already hold the
# earlier copy: its receipt names that copy's SHA-256. The outbox keeps the digests of earlier copies
# (space-separated) so that such a receipt still acknowledges the packet, and nothing else does.
SQL = """
ALTER TABLE outbox ADD COLUMN earlier_digests TEXT NOT NULL DEFAULT '';
"""
