"""``fieldapp selftest``: whether this installation works, as a user would find out: a demo vault made in
a temporary folder, a Thai leaflet printed (fonts, shaping, word breaks), the window opened and the
demo vault unlocked in it. Used to check an installed wheel or a desktop bundle; it touches nothing of
the user's (the folder is removed at the end) and uses only synthetic data.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication

from fieldapp.i18n import _, ngettext

UNLOCK_SECONDS = 60.0


def run(report: Callable[[str], None]) -> list[str]:
    """Run every step, telling ``report`` as each passes; returns the problems (empty when all pass)."""
    from fieldapp.demo.vault import DEMO_PASSPHRASE, DEMO_USER, create_demo_vault
    from fieldapp.leaflets.qt_render import render_leaflet
    from fieldapp.records import organisation
    from fieldapp.ui.app import make_app

    make_app()                      # before the leaflet: printing alone would start a window-less Qt
    with tempfile.TemporaryDirectory(prefix="fieldapp-selftest-") as folder:
        vault_path = Path(folder) / "selftest.fieldapp"
        create_demo_vault(vault_path, people=20).close(audit_lock=False)
        report(_("A demo vault was created."))
        pdf = Path(folder) / "th.pdf"
        result = render_leaflet(organisation.sample(), "th", "a4", str(pdf))
        if not pdf.read_bytes().startswith(b"%PDF") or result.pages < 1:
            return [_("The Thai leaflet was not written.")]
        report(ngettext("A Thai leaflet was printed ({pages} page).", "A Thai leaflet was printed ({pages} pages).",
                        result.pages).format(pages=result.pages))
        problem = _unlock_in_window(vault_path, DEMO_USER, DEMO_PASSPHRASE)
        if problem:
            return [problem]
        report(_("The window opened and the demo vault was unlocked in it."))
    return []


def show_window() -> None:
    """Open the main window on a vault path that does not exist (its unlock page offers to create one),
    let it paint, and close it: what a start costs up to the first window."""
    from fieldapp.ui.app import make_app
    from fieldapp.ui.main_window import MainWindow

    make_app()
    with tempfile.TemporaryDirectory(prefix="fieldapp-selftest-") as folder:
        window = MainWindow(Path(folder) / "none.fieldapp")
        window.show()
        QApplication.processEvents()
        window.close()
        window.deleteLater()
        QApplication.processEvents()


def _unlock_in_window(vault_path: Path, user: str, passphrase: str) -> str | None:
    from fieldapp.ui.main_window import MainWindow

    window = MainWindow(vault_path)
    window.show()
    outcome = {"unlocked": False}
    window.unlocked.connect(lambda: outcome.update(unlocked=True))
    page = window.unlock_page
    page.user_edit.setText(user)
    page.passphrase_edit.setText(passphrase)
    page.unlock_button.click()                          # as a user would; the unlock runs in its own thread
    deadline = time.monotonic() + UNLOCK_SECONDS
    while page.busy() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()
    error = page.error_label.text()
    if outcome["unlocked"]:
        window.lock()                                   # the session closes as at any lock
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    if not outcome["unlocked"]:
        return _("The demo vault could not be unlocked in the window. {detail}").format(detail=error).strip()
    return None
