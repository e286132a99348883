"""Errors of the referral channel, each with a message written for the person using the app."""

from __future__ import annotations

from fieldapp.errors import InvalidInput, PermissionDenied, StorageIOError
from fieldapp.i18n import _


class NoCmmKey(InvalidInput):
    def default_message(self) -> str:
        return _("No CMM public key has been imported yet. Import CMM's key file in the referral settings.")



class ReferralNotFound(InvalidInput):
    def default_message(self) -> str:
        return _("This referral no longer exists.")


class NotEditable(InvalidInput):
    def default_message(self) -> str:
        return _("This referral can no longer be changed.")


class ConsentMissing(InvalidInput):
    def default_message(self) -> str:
        return _("Record the person's consent before sealing the referral.")


class ConsentWithdrawn(PermissionDenied):
    def default_message(self) -> str:
        return _("The person has withdrawn consent. This referral will not be sent.")


class KRuleNotMet(InvalidInput):
    def default_message(self) -> str:
        return _("Too few people share these details, so the person could be recognised. "
                 "Give a reason to send it anyway.")


class PacketInvalid(InvalidInput):
    def default_message(self) -> str:
        return _("The packet does not match the CMM referral format. Nothing was sealed.")


class TransportError(StorageIOError):
    """A delivery that did not happen; the packet stays queued."""

    def default_message(self) -> str:
        return _("The packet could not be delivered. It stays in the outbox.")
