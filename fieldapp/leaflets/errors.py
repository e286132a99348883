"""The errors leaflet printing raises; each carries a translated message and its exit code."""

from __future__ import annotations

from fieldapp.errors import ExitCode, InvalidInput
from fieldapp.i18n import _


class LeafletUsageError(InvalidInput):
    """An unknown language or format was asked for (a usage error on the command line)."""

    exit_code = ExitCode.USAGE


class PrintRefused(InvalidInput):
    """The organisation's configuration is not complete enough to print for real."""

    def default_message(self) -> str:
        return _("Leaflets cannot be printed: the organisation's name and contact lines are not set. "
                 "Add them in Settings; fieldapp never prints a phone number it was not given.")


class CatalogueError(InvalidInput):
    """A content catalogue is missing, unreadable or incomplete."""
