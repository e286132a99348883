"""Test-wide settings: isolated data and config folders, offscreen Qt, the KDF floor for speed,
and a guard that fails any test which lets a modal dialog open un-mocked (offscreen it would hang)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_ISOLATED = Path(tempfile.mkdtemp(prefix="fieldapp-tests-"))
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["FIELDAPP_KDF_MIB"] = "64"          # the RFC 9106 floor; production uses 256 MiB
os.environ["XDG_DATA_HOME"] = str(_ISOLATED / "data")
os.environ["XDG_CONFIG_HOME"] = str(_ISOLATED / "config")
os.environ["XDG_CACHE_HOME"] = str(_ISOLATED / "cache")
os.environ.pop("FIELDAPP_VAULT", None)
os.environ.pop("FIELDAPP_INTAKE_DB", None)

PASSPHRASE = "correct horse battery staple"


# CMM's intake store: a SQLCipher file, and (a system test: it needs a PostgreSQL server) a database.
STORE_KINDS = ["sqlcipher", pytest.param("postgresql", marks=pytest.mark.system)]


def left_out(why: str) -> None:
    """A system test whose prerequisite is missing: skipped, or failed where FIELDAPP_SYSTEM_TESTS=required."""
    if os.environ.get("FIELDAPP_SYSTEM_TESTS") == "required":
        pytest.fail(f"system test prerequisite missing: {why}")
    pytest.skip(f"system test left out: {why}")


@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL server per test process (tests/pg_server.py), stopped at the end."""
    from tests import pg_server

    missing = pg_server.missing_prerequisite()
    if missing:
        left_out(missing)
    server = pg_server.ThrowawayPostgres()
    try:
        server.start()
    except pg_server.StartFailed as exc:
        server.stop()
        left_out(f"PostgreSQL did not start: {exc}")
    yield server
    server.stop()


def new_intake_location(request, folder: Path, kind: str) -> Path | str:
    """Where a fresh intake store is made: a file in ``folder``, or a fresh database."""
    if kind == "sqlcipher":
        return folder / "cmm" / "intake.store"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture(params=STORE_KINDS)
def intake_location(request, tmp_path: Path) -> Path | str:
    return new_intake_location(request, tmp_path, request.param)


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "test.fieldapp"


@pytest.fixture(scope="session")
def _fresh_vault(tmp_path_factory) -> Path:
    """A fresh vault made once per test process: each ``session`` opens a copy of its files, so a test does not
    pay for a vault's creation (two key derivations and every migration) again."""
    from fieldapp.security.vault import create_vault

    path = tmp_path_factory.mktemp("fresh-vault") / "test.fieldapp"
    session, _recovery = create_vault(path, "Admin", "admin", PASSPHRASE)
    session.close(audit_lock=False)
    return path


@pytest.fixture
def session(vault_path: Path, _fresh_vault: Path):
    """An open admin session on a fresh vault (a copy of one made for this test process, unlocked)."""
    import shutil

    from fieldapp.security import vault, wipe

    vault_path.parent.mkdir(parents=True, exist_ok=True)
    for file in wipe.vault_files(_fresh_vault):
        if file.exists():
            shutil.copy2(file, vault_path.parent / file.name.replace(_fresh_vault.name, vault_path.name, 1))
    session = vault.unlock(vault_path, "Admin", PASSPHRASE)
    yield session
    session.close(audit_lock=False)


class UnmockedDialog(AssertionError):
    pass


def _refuse(*_args, **_kwargs):
    raise UnmockedDialog("a modal dialog opened without being mocked in the test")


@pytest.fixture(autouse=True)
def _no_unmocked_modal_dialogs(request, monkeypatch):
    """Any modal dialog run with exec() or a static QMessageBox/QFileDialog call fails the test."""
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

    for name in ("question", "information", "warning", "critical", "about"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(_refuse))
    for name in ("getOpenFileName", "getSaveFileName", "getExistingDirectory", "getOpenFileNames"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(_refuse))
    for name in ("getText", "getInt", "getItem", "getDouble"):
        monkeypatch.setattr(QInputDialog, name, staticmethod(_refuse))
    monkeypatch.setattr(QDialog, "exec", _refuse)
    monkeypatch.setattr(QMessageBox, "exec", _refuse)
    yield


@pytest.fixture(autouse=True)
def _english_ui():
    """Each test starts in English, whatever a previous test switched to."""
    from fieldapp import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture(autouse=True)
def _collections_as_usual():
    """A window freezes what lives long (fieldapp.ui.memory); what one test froze is collected after it,
    so no window of one test outlives it into the next."""
    import gc

    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)         # a window's collector leaves the oldest generation to quiet moments

# A person who agreed to be recorded, with the information sheet they were given (people need a consent status).
AGREED = {"record_consent": "given", "sheet_language": "en", "sheet_version": "1.0"}
