"""A throwaway PostgreSQL server for the tests and the benchmarks: ``initdb`` in a temporary folder (in RAM
for the tests' server where there is room), reachable only through a Unix socket in that folder
(``listen_addresses=''``, never TCP), stopped and removed in any case. initdb refuses to run as root, so as
root the server runs as the ``postgres`` user (.ci/run makes sure it exists)."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

SUPERUSER = "postgres"
_TIMEOUT = 60


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on the PATH, or the newest Debian/Ubuntu install."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return installed[-1].parent if installed else None


def _runs_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def missing_prerequisite() -> str | None:
    """Why a server cannot be started here, or None."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "needs psycopg (pip install 'psycopg[binary]')"
    if binaries() is None:
        return "needs PostgreSQL's initdb and pg_ctl"
    if _runs_as_root():
        if shutil.which("runuser") is None:
            return "needs runuser (to start PostgreSQL as the postgres user)"
        import pwd  # POSIX only, like running as root

        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            return "needs the postgres user (initdb refuses to run as root)"
    return None


# A RAM-backed folder for a server whose data need not survive (the tests'): each database a test makes is a
# copy of the template, some 300 files and 8 MB, and deleting a run's worth from a disk took 5 to 35 seconds at
# the end of the run (a virtual disk with online discard). Used only while it has this much room to spare.
_RAM_FOLDER = Path("/dev/shm")
_RAM_TO_SPARE = 2 * 1024 ** 3


def _scratch_parent(durable: bool) -> str | None:
    """Where the server's folder is made: in RAM for a throwaway server when there is room, else the temporary
    folder (a durable server, as the benchmark's, always on the disk)."""
    if durable or not (_RAM_FOLDER.is_dir() and os.access(_RAM_FOLDER, os.W_OK | os.X_OK)):
        return None
    try:
        spare = shutil.disk_usage(_RAM_FOLDER).free
    except OSError:
        return None
    return str(_RAM_FOLDER) if spare > _RAM_TO_SPARE else None


class StartFailed(RuntimeError):
    pass


class ThrowawayPostgres:
    """One server; ``new_database()`` gives each test a fresh, empty database."""

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable          # fsync on, as in production (for the benchmark); off for speed in tests
        self.folder = Path(tempfile.mkdtemp(prefix="fieldapp-pg-", dir=_scratch_parent(durable)))
        self._names = itertools.count(1)
        self._bin = binaries()

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", SUPERUSER, "--"] if _runs_as_root() else []
        done = subprocess.run([*prefix, str(self._bin / command[0]), *command[1:]], capture_output=True,
                              text=True, timeout=_TIMEOUT, check=False, cwd=self.folder)
        if done.returncode:
            raise StartFailed(f"{command[0]} failed: {(done.stderr or done.stdout).strip()[-400:]}")

    def start(self) -> None:
        if _runs_as_root():
            shutil.chown(self.folder, SUPERUSER)
        self.folder.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C",
                  "--no-sync")
        durable = "on" if self.durable else "off"
        settings = ["listen_addresses=''", f"unix_socket_directories='{self.folder}'", f"fsync={durable}",
                    f"synchronous_commit={durable}", f"full_page_writes={durable}", "shared_buffers=32MB",
                    "max_connections=40"]
        options = " ".join(f"-c {setting}" for setting in settings)
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-t", "60",
                  "-o", options, "start")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{dbname}?host={quote(str(self.folder), safe='')}"

    def new_database(self, template: str = "") -> str:
        """The URL of a fresh, empty database, or of a copy of the database named ``template`` (which nobody may
        be connected to)."""
        import psycopg

        name = f"intake_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return self.url(name)

    def superuser(self, dbname: str):
        """A superuser connection to one database (autocommit), for what a test must see behind the store."""
        import psycopg

        return psycopg.connect(self.url(dbname), autocommit=True)

    def stop(self) -> None:
        with contextlib.suppress(StartFailed, OSError, subprocess.SubprocessError):
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def dbname(url: str) -> str:
    return url.split("/", 3)[3].split("?", 1)[0]
