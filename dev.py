#!/usr/bin/env python3
"""One-command setup and run for a fresh machine with only Python 3.11+.

    python3 dev.py app     # set up .venv, then open fieldapp on the demo vault (created on first run)
    python3 dev.py test    # set up .venv, then run the whole test suite

Setup creates ./.venv, installs fieldapp with its test extras from PyPI, and compiles the
translation catalogues. It is repeated only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".fieldapp-setup"


def _requirements_digest() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def setup() -> None:
    if sys.version_info < (3, 11):
        sys.exit("fieldapp needs Python 3.11 or newer.")
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text() != _requirements_digest():
        print("Installing fieldapp and its dependencies into .venv ...", flush=True)
        subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"], check=True)
        STAMP.write_text(_requirements_digest())
    subprocess.run([PYTHON, str(ROOT / "tools" / "catalogues.py"), "compile"], check=True)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "app"
    setup()
    if command == "app":
        return subprocess.call([PYTHON, "-m", "fieldapp", "demo", *argv[1:]])
    if command == "test":
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        return subprocess.call([PYTHON, "-m", "pytest", "-q", "-n", "auto", *argv[1:]], cwd=ROOT, env=env)
    if command == "setup":
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
