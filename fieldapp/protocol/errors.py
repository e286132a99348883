"""Errors of the shared wire format: key files that do not open."""

from __future__ import annotations

from fieldapp.errors import InvalidInput, WrongPassphrase
from fieldapp.i18n import _


class BadKeyFile(InvalidInput):
    def default_message(self) -> str:
        return _("This is not a valid key file. Ask for a new copy and check its fingerprint by phone.")


class WrongCmmPassphrase(WrongPassphrase):
    def default_message(self) -> str:
        return _("The passphrase for CMM's secret key or store is not right.")
