"""The areas of the main window, in navigation order.

Each page is built with the unlocked session when the vault opens and destroyed when it locks;
a page offers ``retranslate()`` and ``clear()``. Their code is imported by name, once, off the window's thread.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from fieldapp.i18n import _
from fieldapp.security.session import Session


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: Callable[[], str]
    module: str                  # fieldapp.ui.<module>, imported when the page is first built
    name: str                    # the page's class there

    def build(self, session: Session) -> QWidget:
        return getattr(importlib.import_module(f"fieldapp.ui.{self.module}"), self.name)(session)


def page_specs() -> list[PageSpec]:
    return [
        PageSpec("visits", lambda: _("Visits"), "visits_page", "VisitsPage"),
        PageSpec("people", lambda: _("People"), "people_page", "PeoplePage"),
        PageSpec("leaflets", lambda: _("Leaflets"), "leaflets_page", "LeafletsPage"),
        PageSpec("referrals", lambda: _("Referrals"), "referrals_page", "ReferralsPage"),
        PageSpec("reports", lambda: _("Reports"), "reports_page", "ReportsPage"),
        PageSpec("settings", lambda: _("Settings"), "settings_page", "SettingsPage"),
    ]


def import_pages() -> None:
    """Import every page's code (reports and charts take about half a second the first time): the unlock does
    this in its own thread, so the window does not wait for it when the pages are built."""
    for spec in page_specs():
        importlib.import_module(f"fieldapp.ui.{spec.module}")
