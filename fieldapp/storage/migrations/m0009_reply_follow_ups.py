# An interview CMM booked is a follow-up for the worker who made the referral (tell the person, arrange the
# way there): done when they mark it so.
SQL = """
ALTER TABLE referral_replies ADD COLUMN follow_up_done INTEGER NOT NULL DEFAULT 0 CHECK (follow_up_done IN (0, 1));
"""
