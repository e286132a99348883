"""CMM's side of the referral channel: the intake (folder and HTTPS), its encrypted store, the national
table and the NGOs' sealed figures. It shares only the wire format (``fieldapp.protocol``) with the
outreach app."""
