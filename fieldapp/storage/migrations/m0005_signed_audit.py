# Signed audit events: each new event names the member (slot id) whose session wrote it, links to
# that member's previous event and carries their Ed25519 signature. Events written before stay
# unsigned (the columns are NULL); see fieldapp/security/audit.py.
SQL = """
ALTER TABLE audit_events ADD COLUMN signer TEXT;
ALTER TABLE audit_events ADD COLUMN signer_prev TEXT;
ALTER TABLE audit_events ADD COLUMN signature BLOB;
CREATE INDEX audit_events_signer ON audit_events(signer, id);
"""
