"""Errors of CMM's desk, each with a message written for the operator."""

from __future__ import annotations

from fieldapp.errors import (
    FieldappError,
    IntegrityError,
    InvalidInput,
    PermissionDenied,
    StorageIOError,
    VaultExists,
    VaultMissing,
)
from fieldapp.i18n import _


class UnknownOrg(InvalidInput):
    def default_message(self) -> str:
        return _("No organisation key with this id is registered in this intake store.")


class KeyRevoked(InvalidInput):
    def default_message(self) -> str:
        return _("This key was revoked and is never trusted again. The organisation must send a new key.")


class RotationRefused(InvalidInput):
    """A rotation statement that would link keys wrongly; the message says which way."""


class FingerprintMismatch(InvalidInput):
    def default_message(self) -> str:
        return _("The fingerprint does not match the new key in the statement. Nothing was registered. "
                 "Call the organisation on a number you already know and compare again.")


class IntakeStoreMissing(VaultMissing):
    def default_message(self) -> str:
        return _("No intake store was found at this place. Register an organisation's key first to create it.")


class IntakeStoreExists(VaultExists):
    def default_message(self) -> str:
        return _("An intake store already exists at this place. Nothing was overwritten.")


class PostgresMissing(FieldappError):
    def default_message(self) -> str:
        return _("This fieldapp has no PostgreSQL support. Install it with CMM's extras: "
                 "pip install 'fieldapp[cmm]'.")


class DatabaseUnreachable(StorageIOError):
    def default_message(self) -> str:
        return _("The intake database could not be reached. Check the connection URL and that the database "
                 "server is running.")


class DatabaseMissing(VaultMissing):
    def default_message(self) -> str:
        return _("The intake database does not exist on this server. Its administrator creates it first "
                 "(see docs/cmm/postgresql.md).")


class DatabaseRefused(PermissionDenied):
    def default_message(self) -> str:
        return _("The database server refused the connection or the change: check the user name, the "
                 "password and the rights given to this user (see docs/cmm/postgresql.md).")


class DatabaseBusy(StorageIOError):
    """Another desk kept winning the same rows; raised only after several tries."""

    def default_message(self) -> str:
        return _("The intake database was too busy to save this. Nothing was saved; try again.")


class DatabaseFailed(StorageIOError):
    def default_message(self) -> str:
        return _("The intake database could not be read or written (connection lost, or a time limit "
                 "reached). Nothing was saved.")


class IntakeStoreDamaged(IntegrityError):
    def default_message(self) -> str:
        return _("A packet in the intake store does not decrypt with the store key: it was changed outside "
                 "fieldapp. Restore a backup.")


class UnknownStaff(InvalidInput):
    def default_message(self) -> str:
        return _("No staff member of this name has an account in this intake store.")


class StaffListChanged(IntegrityError):
    def default_message(self) -> str:
        return _("The staff list of this intake store was changed outside fieldapp (its admin seal does not "
                 "match). Nothing was done. Restore a backup, or ask the store's admins.")


class KeyFileChanged(StorageIOError):
    def default_message(self) -> str:
        return _("The intake store's staff keys were changed by another desk while this command ran. "
                 "Nothing was changed here; run the command again.")


class IntakeStoreTampered(IntegrityError):
    def default_message(self) -> str:
        return _("The intake store refused this: its tables were changed outside fieldapp. Nothing was saved. "
                 "Restore a backup, or ask the store's admins.")
