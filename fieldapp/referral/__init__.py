"""Anonymised referral packets to CMM: consent, the k-rule, sealing, the outbox and sync."""
