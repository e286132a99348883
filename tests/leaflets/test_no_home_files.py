"""Printing a Thai leaflet leaves nothing in the user's home folder (pythainlp would make ~/pythainlp-data)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_a_thai_leaflet_writes_only_the_pdf(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHAINLP")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_CONFIG_HOME=str(home / ".config"), QT_QPA_PLATFORM="offscreen")
    out = tmp_path / "th.pdf"
    done = subprocess.run([sys.executable, "-m", "fieldapp", "leaflet", "--lang", "th", "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert [p.name for p in home.rglob("*")] == []
