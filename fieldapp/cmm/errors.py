"""Errors of CMM's desk, each with a message written for the operator."""

from __future__ import annotations

from fieldapp.errors import InvalidInput, VaultMissing
from fieldapp.i18n import _


class UnknownOrg(InvalidInput):
    def default_message(self) -> str:
        return _("No organisation key with this id is registered in this intake store.")


class KeyRevoked(InvalidInput):
    def default_message(self) -> str:
        return _("This key was revoked and is never trusted again. The organisation must send a new key.")


class FingerprintMismatch(InvalidInput):
    def default_message(self) -> str:
        return _("The fingerprint does not match the new key in the statement. Nothing was registered. "
                 "Call the organisation on a number you already know and compare again.")


class IntakeStoreMissing(VaultMissing):
    def default_message(self) -> str:
        return _("No intake store was found at this place. Register an organisation's key first to create it.")
