"""bundle_cold_start_ms and bundle_size_mb (issue: installable).

The Linux desktop bundle (``python3 dev.py bundle``, built here if ``dist/fieldapp`` is missing) is
started as a user would start it, offscreen, until its main window is shown and closed again
(``fieldapp selftest --window-only``): the time from process start to the unlock window. Its size is
what ``du`` counts (every file once, links not followed).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import metric

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "dist" / "fieldapp"
EXECUTABLE = FOLDER / ("fieldapp.exe" if os.name == "nt" else "fieldapp")


def _size_mb() -> float:
    return sum(f.lstat().st_size for f in FOLDER.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def _start_ms(runs: int) -> float:
    samples = []
    with tempfile.TemporaryDirectory(prefix="fieldapp-bench-bundle-") as home:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        env.update(QT_QPA_PLATFORM="offscreen", HOME=home, XDG_CONFIG_HOME=home, XDG_DATA_HOME=home)
        for _ in range(runs + 1):
            began = time.perf_counter()
            done = subprocess.run([str(EXECUTABLE), "selftest", "--window-only"], env=env, capture_output=True,
                                  text=True, timeout=120)
            if done.returncode != 0:
                raise RuntimeError(done.stderr)
            samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples[1:])          # the first run fills the disk cache


def run(quick: bool) -> dict:
    if not EXECUTABLE.exists():
        subprocess.run([sys.executable, str(ROOT / "dev.py"), "bundle"], check=True, cwd=ROOT)
    return {
        "bundle_cold_start_ms": metric(_start_ms(3 if quick else 7), "ms",
                                       "Linux bundle, process start to main window shown (offscreen)"),
        "bundle_size_mb": metric(_size_mb(), "MB", "Linux bundle folder, every file once"),
    }
