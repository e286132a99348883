"""A sentinel saved in the vault appears in no file in plaintext: not the database, its -wal and
-shm, the sidecar, the data folder, the config folder or the temp folder."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from fieldapp.security import vault
from fieldapp.storage import settings_repo
from tests.conftest import PASSPHRASE

SENTINEL = "Sentinel-Maryam-7f3a91"


def files_containing(roots: list[Path], needle: str, since: float = 0.0) -> list[Path]:
    forms = {needle.encode("utf-8"), needle.encode("utf-16-le"), needle.lower().encode("utf-8")}
    hits = []
    for root in roots:
        for folder, _dirs, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                try:
                    if path.stat().st_mtime < since or not path.is_file():
                        continue
                    data = path.read_bytes()
                except OSError:
                    continue
                if any(form in data for form in forms):
                    hits.append(path)
    return hits


def test_sentinel_never_in_plaintext_on_disk(vault_path: Path) -> None:
    start = time.time() - 1
    session, _ = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    with session.write() as conn:
        conn.execute("INSERT INTO venues (name, kind, notes) VALUES (?, 'street_area', ?)", (SENTINEL, SENTINEL * 50))
        settings_repo.put(conn, "note", SENTINEL)
    # While open, the -wal holds the latest pages: it must be encrypted too.
    assert (vault_path.parent / (vault_path.name + "-wal")).exists()
    roots = [vault_path.parent, Path(os.environ["XDG_CONFIG_HOME"]), Path(tempfile.gettempdir())]
    assert files_containing(roots, SENTINEL, since=start) == []
    session.close()
    assert files_containing(roots, SENTINEL, since=start) == []
    reopened = vault.unlock(vault_path, "Admin", PASSPHRASE)
    assert reopened.conn.execute("SELECT name FROM venues").fetchone()[0] == SENTINEL   # it was really saved
    reopened.close()
