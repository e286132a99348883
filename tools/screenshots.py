"""Screenshots of each main view with the demo vault, for docs/img/.

Run under Xvfb:  xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python tools/screenshots.py
(Qt's xcb plugin needs libxcb-icccm4, libxcb-cursor0 and friends; where they are missing,
QT_QPA_PLATFORM=offscreen renders the same widgets: the images are grabbed from the widgets.)
The demo vault (synthetic data only) is built in a temporary folder and removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FIELDAPP_KDF_MIB", "64")
_ISOLATED = Path(tempfile.mkdtemp(prefix="fieldapp-shots-"))
for _name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = str(_ISOLATED / _name.lower())

from PySide6.QtWidgets import QApplication  # noqa: E402

OUT = ROOT / "docs" / "img"
PAGES = ("visits", "people", "leaflets", "referrals", "reports", "settings")


def settle(app: QApplication, rounds: int = 20) -> None:
    for _ in range(rounds):
        app.processEvents()


def settle_tasks(app: QApplication) -> None:
    """Events handled until no task of the window is running."""
    from fieldapp.ui import tasks

    settle(app)
    while tasks.pending():
        settle(app)
        time.sleep(0.02)
    settle(app)


def _select_busy_person(window) -> None:
    """The person with the longest timeline among the first rows, so the timeline is worth seeing."""
    tab = window.pages["people"].people_tab
    best, best_count = 0, -1
    for row in range(min(tab.model.rowCount(), 60)):
        tab.table.selectRow(row)
        if tab.panel.model.rowCount() > best_count:
            best, best_count = row, tab.panel.model.rowCount()
    tab.table.selectRow(best)


def _cmm_desk(app: QApplication, session) -> None:
    """CMM's desk on an intake store that received the demo vault's referrals, one of them read."""
    from fieldapp.cmm import accounts, intake
    from fieldapp.cmm import store as intake_store
    from fieldapp.cmm.folder import receive_folder
    from fieldapp.referral import config, sync
    from fieldapp.referral.demo import demo_secret
    from fieldapp.ui.desk.window import DeskWindow

    sync.sync(session)
    cmm, location, passphrase = demo_secret(), _ISOLATED / "cmm" / "intake.store", "demo intake store passphrase"
    store = intake_store.create(location, passphrase)
    accounts.adopt_intake_seed(store, cmm.seed)
    intake.register(store, config.export_org_key(session))
    receive_folder(intake.Intake(store, cmm), Path(config.transport(session).folder))
    intake_store.close(store)
    desk = DeskWindow(str(location))
    desk.resize(1280, 760)
    desk.show()
    desk.unlock_page.passphrase.setText(passphrase)

    def wait() -> None:
        settle_tasks(app)

    desk.start_unlock()
    wait()
    desk.table.selectRow(0)
    desk.start_read()
    wait()
    form = desk.panel.form
    form.status.setCurrentIndex(form.status.findData("interview_booked"))
    settle(app)
    desk.grab().save(str(OUT / "cmm-desk.png"))
    desk.lock()
    desk.close()


def _import_wizard(app: QApplication, session) -> None:
    """The Import wizard on a small Danish sheet (synthetic rows), one image per step."""
    import csv

    from fieldapp.ui.import_wizard import ImportWizard

    sheet = _ISOLATED / "kontakter-2019.csv"
    rows = [["Navn", "Fødselsår", "Nationalitet", "Køn", "Dato", "Type", "Noter"],
            ["Mai", "1991", "Thailand", "Kvinde", "03-02-2025", "klinik", "Fik foldere"],
            ["Mai", "1991", "Thailand", "Kvinde", "17-03-2025", "gade", ""],
            ["Ana", "1996", "Rumæn", "Kvinde", "21-03-2025", "gade", "Spurgte om læge"],
            ["Joy", "1999", "Nigeria", "Kvinde", "02-04-2025", "klinik", ""]]
    with sheet.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out, delimiter=";").writerows(rows)

    def wait() -> None:
        settle_tasks(app)

    wizard = ImportWizard(session)
    wizard.resize(820, 640)
    wizard.show()
    wizard.file_page.path.setText(str(sheet))
    settle(app)
    wizard.grab().save(str(OUT / "import-1-file.png"))
    wizard.next()
    wait()
    wizard.grab().save(str(OUT / "import-2-columns.png"))
    wizard.next()
    wait()
    for target, text, combo in wizard.values_page.pending:
        if (target, text) == ("contact.kind", "klinik"):
            combo.setCurrentIndex(combo.findData("venue"))
    settle(app)
    wizard.grab().save(str(OUT / "import-3-values.png"))
    wizard.next()
    wait()
    wizard.grab().save(str(OUT / "import-4-check.png"))
    wizard.reject()


def main() -> int:
    from fieldapp.demo.vault import DEMO_PASSPHRASE, DEMO_USER, create_demo_vault
    from fieldapp.security import vault
    from fieldapp.ui.main_window import MainWindow

    app = QApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    path = _ISOLATED / "demo.fieldapp"
    create_demo_vault(path, people=300).close()
    window = MainWindow(path)
    window.resize(1280, 760)
    window.show()
    window.open_session(vault.unlock(path, DEMO_USER, DEMO_PASSPHRASE))
    settle(app)
    for row, key in enumerate(PAGES):
        window.nav.setCurrentRow(row)
        if key == "visits":
            window.pages[key].visits_tab.table.selectRow(0)
        if key == "people":
            _select_busy_person(window)
        settle(app)
        if key == "reports":                      # built off the window's thread, a moment after it shows
            page = window.pages[key]
            while page._stale or page.building():
                settle(app)
                time.sleep(0.02)
            settle(app)
        window.grab().save(str(OUT / f"{key}.png"))
    window.nav.setCurrentRow(0)
    visits_tab = window.pages["visits"].visits_tab
    visits_tab.new_visit()
    settle(app)
    visits_tab.form.grab().save(str(OUT / "visit-form.png"))
    visits_tab.form.reject()
    window.lock()
    window.close()
    session = vault.unlock(path, DEMO_USER, DEMO_PASSPHRASE)
    _import_wizard(app, session)
    _cmm_desk(app, session)
    session.close()
    shutil.rmtree(_ISOLATED, ignore_errors=True)
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
