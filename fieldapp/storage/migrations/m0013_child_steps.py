# The child-protection step: at a contact with someone under 18, what the worker did under the duty to protect
# children (the municipality told or to be told, CMM told, the child heard, the representative asked).
SQL = """
ALTER TABLE contacts ADD COLUMN child_steps TEXT NOT NULL DEFAULT '';
"""
