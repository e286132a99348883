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
from fieldapp.ui.placeholder_page import PlaceholderPage


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: Callable[[], str]
    build: Callable[[Session], QWidget]


def _placeholder(title: Callable[[], str], text: Callable[[], str]) -> Callable[[Session], QWidget]:
    return lambda session: PlaceholderPage(title, text)


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


def page_specs() -> list[PageSpec]:
    return [
        PageSpec("visits", lambda: _("Visits"), _visits),
        PageSpec("people", lambda: _("People"), _people),
        PageSpec("leaflets", lambda: _("Leaflets"), _placeholder(
            lambda: _("Leaflets"),
            lambda: _("Rights leaflets and wallet cards in the person's language will be printed from here."))),
        PageSpec("referrals", lambda: _("Referrals"), _referrals),
        PageSpec("reports", lambda: _("Reports"), _placeholder(
            lambda: _("Reports"),
            lambda: _("Activity reports for funders and anonymised figures for CMM will be made here."))),
        PageSpec("settings", lambda: _("Settings"), _settings),
    ]
