# A key worker per person, and follow-ups with a short plan and an owner: "My follow-ups" lists what is mine (the
# owner, else the person's key worker, else whoever wrote the contact), overdue and coming up.
SQL = """
ALTER TABLE people ADD COLUMN key_worker INTEGER;
ALTER TABLE contacts ADD COLUMN follow_up_text TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN follow_up_owner INTEGER;
"""
