"""`fieldapp selftest`: the check an installation (wheel or bundle) runs on itself, with real widgets."""

from __future__ import annotations

from pathlib import Path

from fieldapp.demo.vault import DEMO_PASSPHRASE, DEMO_USER, create_demo_vault
from fieldapp.ui import selftest


def test_the_self_test_passes_every_step_and_leaves_nothing(qapp, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    steps: list[str] = []
    assert selftest.run(steps.append) == []
    assert len(steps) == 3 and "unlocked" in steps[-1]
    assert list(tmp_path.iterdir()) == []                  # the temporary folder is gone


def test_a_window_that_does_not_unlock_is_reported(qapp, tmp_path: Path) -> None:
    path = tmp_path / "v.fieldapp"
    create_demo_vault(path, people=5).close(audit_lock=False)
    problem = selftest._unlock_in_window(path, DEMO_USER, DEMO_PASSPHRASE + " but wrong")
    assert problem is not None and "could not be unlocked" in problem and "passphrase" in problem.lower()


def test_the_window_only_check_opens_and_closes_the_window(qapp) -> None:
    from PySide6.QtWidgets import QApplication

    from fieldapp.ui.main_window import MainWindow

    selftest.show_window()
    QApplication.processEvents()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
