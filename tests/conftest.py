"""Test-wide settings: isolated data and config folders, offscreen Qt, the KDF floor (each derivation computed
once per test process) and vaults made once per process and copied, for speed, and a guard that fails any
test which lets a modal dialog open un-mocked (offscreen it would hang)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

_ISOLATED = Path(tempfile.mkdtemp(prefix="fieldapp-tests-"))
atexit.register(shutil.rmtree, _ISOLATED, ignore_errors=True)    # each test process removes its own at its end
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


_REMEMBER = {"derivations": True}


@pytest.fixture(scope="session", autouse=True)
def _each_derivation_once():
    """argon2id is a function of the secret, the salt and the parameters alone: in a test process, a derivation
    of the same three as one before gives the key that one gave, without computing it again (at the floor's
    64 MiB one costs a quarter to half a second, and tests reopen a vault, or a copy of the fresh vault, again
    and again). A secret with a salt and parameters not derived before in the process is computed for real, so
    a wrong key, a forged salt or weakened parameters still get what argon2id gives them; the command line in a
    subprocess always derives. A test about what happens while an unlock runs asks for
    ``derivations_not_remembered``."""
    from fieldapp.crypto import keys

    real = keys.derive
    derived: dict[tuple[str, bytes, keys.KdfParams], bytes] = {}

    def derive(secret: str, salt: bytes, params: keys.KdfParams) -> bytes:
        if not _REMEMBER["derivations"]:
            return real(secret, salt, params)
        found = derived.get((secret, bytes(salt), params))
        if found is None:
            found = derived[(secret, bytes(salt), params)] = real(secret, salt, params)
        return found

    keys.derive = derive
    yield
    keys.derive = real


@pytest.fixture
def derivations_not_remembered():
    """Every key derivation of the test computed for real: an unlock takes as long as it takes outside the tests,
    for a test about what happens while one runs (a second press, a lock, the window closed meanwhile)."""
    _REMEMBER["derivations"] = False
    yield
    _REMEMBER["derivations"] = True


def copy_vault(source: Path, path: Path) -> Path:
    """Copy every file of the closed vault ``source`` to ``path`` (renamed to match), as a backup tool would."""
    from fieldapp.security import wipe

    path.parent.mkdir(parents=True, exist_ok=True)
    for file in wipe.vault_files(source):
        if file.exists():
            shutil.copy2(file, path.parent / file.name.replace(source.name, path.name, 1))
    return path


@pytest.fixture(scope="session")
def made_once(tmp_path_factory):
    """``made_once(name, make)``: ``(path, what make returned)`` for a closed vault that ``make(path)`` made the first
    time this test process asked for ``name``. A test takes a ``copy_vault`` of it (never the vault itself), so it
    starts where ``make`` would have left it without paying for the creation, its key derivations and every
    migration again; a test about making such a vault calls ``make`` itself."""
    made: dict[str, tuple[Path, object]] = {}

    def get(name: str, make):
        if name not in made:
            path = tmp_path_factory.mktemp(f"made-once-{name}") / "vault.fieldapp"
            made[name] = (path, make(path))
        return made[name]

    return get


@pytest.fixture
def session(vault_path: Path, _fresh_vault: Path):
    """An open admin session on a fresh vault (a copy of one made for this test process, unlocked)."""
    from fieldapp.security import vault

    copy_vault(_fresh_vault, vault_path)
    session = vault.unlock(vault_path, "Admin", PASSPHRASE)
    yield session
    session.close(audit_lock=False)


@pytest.fixture
def act_as(session):
    """``act_as(role)``: the same open vault, signed in as a new user with that role (an admin's session holds
    every compartment's key, so a nurse's or an adviser's parts are reachable)."""
    import secrets
    from dataclasses import replace

    from fieldapp.domain.records import User
    from fieldapp.storage import users_repo
    from fieldapp.storage.connection import transaction

    def make(role: str):
        with transaction(session.conn):
            user = users_repo.insert_user(session.conn, User(name=f"{role} {secrets.token_hex(2)}", role=role),
                                          f"lookup-{secrets.token_hex(8)}")
        return replace(session, user=user)

    return make


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
