#!/usr/bin/env python3
"""One-command setup and run for a fresh machine with only Python 3.11+.

    python3 dev.py app     # set up .venv, then open fieldapp on the demo vault (created on first run)
    python3 dev.py test    # set up .venv, then run the whole test suite
    python3 dev.py wheel   # build dist/fieldapp-*.whl, install it into a fresh venv, try it, list what is inside
    python3 dev.py bundle  # build the desktop bundle dist/fieldapp/ with PyInstaller and try it

Setup creates ./.venv, installs fieldapp with its test and cmm extras from PyPI, and compiles the
translation catalogues. It is repeated only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
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
        subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test,cmm]"], check=True)
        STAMP.write_text(_requirements_digest())
    subprocess.run([PYTHON, str(ROOT / "tools" / "catalogues.py"), "compile"], check=True)


def wheel() -> Path:
    """Build the wheel (catalogues compiled first: they ship inside it), then install it into a fresh
    venv outside the checkout, not editable, and run it there as a user would."""
    dist = ROOT / "dist"
    dist.mkdir(exist_ok=True)
    for old in dist.glob("fieldapp-*.whl"):
        old.unlink()
    subprocess.run([PYTHON, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)], check=True)
    (built,) = dist.glob("fieldapp-*.whl")
    with tempfile.TemporaryDirectory(prefix="fieldapp-wheel-") as tmp:
        _try_installed(built, Path(tmp))
    print(f"{built.relative_to(ROOT)}: installed in a fresh venv and tried", flush=True)
    return built


def _try_installed(built: Path, tmp: Path) -> None:
    venv.EnvBuilder(with_pip=True).create(tmp / "venv")
    bin_dir = tmp / "venv" / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([bin_dir / "python", "-m", "pip", "install", "--quiet", str(built)], check=True)
    subprocess.run([bin_dir / "python", str(ROOT / "tools" / "inventory.py"), "--out",
                    str(built.parent / "inventory.json")], check=True, cwd=tmp, env=_clean_env(tmp))
    _try_program(str(bin_dir / "fieldapp"), tmp)


def _clean_env(tmp: Path) -> dict[str, str]:
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "FIELDAPP_VAULT")}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"), TMPDIR=str(tmp))
    return env


def _try_program(fieldapp: str, tmp: Path, *, selftest: bool = False) -> None:
    """Run an installed fieldapp as a user would, from a temporary home outside the checkout."""
    env = _clean_env(tmp)
    home = Path(env["HOME"])

    def run(*args: str) -> str:
        done = subprocess.run([fieldapp, *args], cwd=home, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{fieldapp} {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
        return done.stdout

    version = run("--version").strip()
    leaflet = home / "th.pdf"
    run("leaflet", "--lang", "th", "--format", "a4", "--out", str(leaflet))
    run("demo", "--no-gui", "--people", "40", "--vault", str(home / "demo.fieldapp"))
    if not leaflet.read_bytes().startswith(b"%PDF") or not (home / "demo.fieldapp").is_file():
        sys.exit(f"{fieldapp}: the leaflet or the demo vault was not written")
    if selftest:
        run("selftest")
    print(f"{fieldapp}: {version}; Thai leaflet {leaflet.stat().st_size:,} bytes; demo vault made"
          + ("; selftest passed" if selftest else ""), flush=True)


# One lock per platform: markers differ (PyInstaller needs pefile on Windows, macholib on macOS).
LOCK = ROOT / "packaging" / f"requirements-bundle-{sys.platform}.txt"
BUILD_VENV = ROOT / "build" / "bundle-venv"


def _build_python() -> Path:
    """A virtual environment with exactly the locked inputs (every package pinned and checked by hash),
    made again whenever the lock file changes; fieldapp itself is built from this checkout."""
    python = BUILD_VENV / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")
    stamp = BUILD_VENV / ".lock-digest"
    if not LOCK.exists():
        sys.exit(f"no lock file for this platform: {LOCK.relative_to(ROOT)} (see docs/packaging.md)")
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if not python.exists() or not stamp.exists() or stamp.read_text() != digest:
        venv.EnvBuilder(with_pip=True, clear=True).create(BUILD_VENV)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps", "-r", str(LOCK)],
                       check=True)
        stamp.write_text(digest)
    return python


def bundle() -> Path:
    """The one-folder desktop bundle (``dist/fieldapp/``, PyInstaller, ``packaging/fieldapp.spec``) from
    the locked inputs, then tried from outside the checkout: ``--version``, a Thai leaflet and ``fieldapp
    selftest`` (a demo vault, the window, an unlock)."""
    python = _build_python()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    dist, work = ROOT / "dist", ROOT / "build" / "pyinstaller"
    subprocess.run([python, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                    "--distpath", str(dist), "--workpath", str(work), str(ROOT / "packaging" / "fieldapp.spec")],
                   check=True, cwd=ROOT, env=env)
    folder = dist / "fieldapp"
    if sys.platform.startswith("linux"):            # double-click to start, no terminal
        shutil.copyfile(ROOT / "packaging" / "linux" / "fieldapp.desktop", folder / "fieldapp.desktop")
        (folder / "fieldapp.desktop").chmod(0o755)
    # What is inside, with licences, travels with the bundle (Qt's LGPL among them).
    subprocess.run([python, str(ROOT / "tools" / "inventory.py"), "--pyproject", str(ROOT / "pyproject.toml"),
                    "--out", str(folder / "inventory.json")], check=True, env=env)
    executable = folder / ("fieldapp.exe" if os.name == "nt" else "fieldapp")
    with tempfile.TemporaryDirectory(prefix="fieldapp-bundle-") as tmp:
        _try_program(str(executable), Path(tmp), selftest=True)
    size = sum(f.lstat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"{folder.relative_to(ROOT)}: {size / 1e6:.0f} MB, tried", flush=True)
    return folder


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
    if command == "wheel":
        wheel()
        return 0
    if command == "bundle":
        bundle()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
