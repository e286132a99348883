# A referral names the industry of the work and the forms of forced crime, taken from the person's contacts like
# the suspected forms of exploitation (``cmm-referral/3``). Empty for a referral made before: it was sealed, or is
# drafted, without them.
SQL = """
ALTER TABLE referrals ADD COLUMN industries TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN crime_forms TEXT NOT NULL DEFAULT '';
"""
