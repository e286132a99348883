"""The areas of the main window, in navigation order.

Each page is built with the unlocked session when the vault opens and destroyed when it locks;
a page offers ``retranslate()`` and ``clear()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from fieldapp.i18n import _
from fieldapp.security.session import Session


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: Callable[[], str]
    build: Callable[[Session], QWidget]


def _settings(session: Session) -> QWidget:
    from fieldapp.ui.settings_page import SettingsPage

    return SettingsPage(session)


def _referrals(session: Session) -> QWidget:
    from fieldapp.ui.referrals_page import ReferralsPage

    return ReferralsPage(session)


def _visits(session: Session) -> QWidget:
    from fieldapp.ui.visits_page import VisitsPage

    return VisitsPage(session)


def _people(session: Session) -> QWidget:
    from fieldapp.ui.people_page import PeoplePage

    return PeoplePage(session)


def _leaflets(session: Session) -> QWidget:
    from fieldapp.ui.leaflets_page import LeafletsPage

    return LeafletsPage(session)


def _reports(session: Session) -> QWidget:
    from fieldapp.ui.reports_page import ReportsPage

    return ReportsPage(session)


def page_specs() -> list[PageSpec]:
    return [
        PageSpec("visits", lambda: _("Visits"), _visits),
        PageSpec("people", lambda: _("People"), _people),
        PageSpec("leaflets", lambda: _("Leaflets"), _leaflets),
        PageSpec("referrals", lambda: _("Referrals"), _referrals),
        PageSpec("reports", lambda: _("Reports"), _reports),
        PageSpec("settings", lambda: _("Settings"), _settings),
    ]
