# Men and women in forced labour and forced crime: the industry of the work and the forms of forced crime, per
# contact, so reports can group people as CMM's annual report does.
SQL = """
ALTER TABLE contacts ADD COLUMN industry TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN crime_forms TEXT NOT NULL DEFAULT '';
"""
