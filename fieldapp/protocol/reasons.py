"""Why CMM's intake refused a packet: stable codes (for receipts and logs) and plain words."""

from __future__ import annotations

from fieldapp.i18n import N_, _

REASONS = {
    "too_large": N_("The file is larger than a referral packet can be."),
    "not_a_packet": N_("The file is not a referral packet."),
    "other_recipient": N_("The packet was sealed to another key, not to this CMM key."),
    "truncated": N_("The packet is cut short (truncated); ask the organisation to send it again."),
    "damaged": N_("The packet is damaged (it does not decrypt); ask the organisation to send it again."),
    "unknown_signer": N_("The packet is signed by an organisation whose key is not registered."),
    "bad_signature": N_("The packet's signature does not match its content."),
    "malformed": N_("The packet's content is not well-formed JSON."),
    "schema": N_("The packet's content does not match the CMM referral format."),
    "signer_mismatch": N_("The packet names an organisation other than the one that signed it."),
    "revoked_signer": N_("The packet is signed with a key that CMM has revoked (after a member left or a laptop "
                         "was lost); the organisation sends it again with its new key."),
    "unprocessable": N_("The packet could not be checked; it was not counted."),
    "id_taken": N_("A different packet was already received under this id (from another organisation, or "
                   "put aside after a key was replaced); this one was not counted. Seal the referral again so "
                   "that it gets a new id."),
    "duplicate": N_("This packet was already received (a replay); it was not counted again."),
    "withdrawn": N_("The person withdrew consent for this referral and CMM erased it; it is not stored again."),
}
# Refusals that happen after the signature verified: only these get a receipt signed by CMM.
AUTHENTICATED = frozenset({"malformed", "schema", "signer_mismatch", "revoked_signer", "id_taken",
                           "duplicate", "withdrawn"})


class Rejected(Exception):
    """A packet refused at intake; ``code`` is one of ``REASONS``."""

    def __init__(self, code: str, detail: str = "", *, packet_id: str = "", signer: str = "") -> None:
        self.code = code
        self.detail = detail
        self.packet_id = packet_id      # only from inside a packet whose signature verified
        self.signer = signer            # the key id whose signature verified, if one did
        super().__init__(code)

    @property
    def message(self) -> str:
        text = _(REASONS[self.code])
        return f"{text} ({self.detail})" if self.detail else text
