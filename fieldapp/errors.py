"""The exceptions fieldapp raises on purpose.

A ``FieldappError`` carries a translated message that is safe to show as is: no SQL, no vault
path, no personal data. Each kind has its own command-line exit code (documented in README).
"""

from __future__ import annotations

from fieldapp.i18n import _


class ExitCode:
    OK = 0
    FAILURE = 1
    USAGE = 2
    WRONG_PASSPHRASE = 3
    NOT_A_VAULT = 4
    VAULT_MISSING = 5
    VAULT_IN_USE = 6
    INTEGRITY = 7
    PERMISSION = 8
    INVALID_INPUT = 9
    IO_ERROR = 10
    ALREADY_EXISTS = 11
    TOO_SOON = 12
    NEEDS_UPGRADE = 13


class FieldappError(Exception):
    """An error with a message written for the person using the app."""

    exit_code = ExitCode.FAILURE

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message()
        super().__init__(self.message)

    def default_message(self) -> str:
        return _("Something went wrong.")


class WrongPassphrase(FieldappError):
    exit_code = ExitCode.WRONG_PASSPHRASE

    def default_message(self) -> str:
        return _("The user name or passphrase is not right. Check them and try again.")


class NotAVault(FieldappError):
    exit_code = ExitCode.NOT_A_VAULT

    def default_message(self) -> str:
        return _("This file is not a fieldapp vault, or it is damaged. Nothing was changed.")


class VaultMissing(FieldappError):
    exit_code = ExitCode.VAULT_MISSING

    def default_message(self) -> str:
        return _("No vault was found at this place. You can create a new one.")


class VaultInUse(FieldappError):
    exit_code = ExitCode.VAULT_IN_USE

    def default_message(self) -> str:
        return _("This vault is open in another fieldapp window or process. Close it there first.")


class VaultExists(FieldappError):
    exit_code = ExitCode.ALREADY_EXISTS

    def default_message(self) -> str:
        return _("A vault already exists at this place. Nothing was overwritten.")


class IntegrityError(FieldappError):
    exit_code = ExitCode.INTEGRITY

    def default_message(self) -> str:
        return _("The vault failed its integrity check. It was opened read-only; restore a backup.")


class PermissionDenied(FieldappError):
    exit_code = ExitCode.PERMISSION

    def default_message(self) -> str:
        return _("Your role does not allow this.")


class NeedsUpgrade(FieldappError):
    """A one-key vault of an earlier version: an administrator must upgrade it before anyone uses it."""

    exit_code = ExitCode.NEEDS_UPGRADE

    def default_message(self) -> str:
        return _("This vault was made by an earlier version of fieldapp and must first be upgraded by an "
                 "administrator. Ask an administrator to open it once.")


class InvalidInput(FieldappError):
    exit_code = ExitCode.INVALID_INPUT

    def default_message(self) -> str:
        return _("Some of the values are not valid.")


class StorageIOError(FieldappError):
    exit_code = ExitCode.IO_ERROR

    def default_message(self) -> str:
        return _("The vault could not be written (is the disk full or removed?). Nothing was saved.")


class ValidationError(InvalidInput):
    """Form validation: ``problems`` maps a field name to its translated message."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("\n".join(self.problems.values()))
