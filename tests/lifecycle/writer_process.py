"""A writer for crash and disk-full tests, run as its own process.

    python writer_process.py crash VAULT      # key hex on stdin; saves records forever, prints each id once committed
    python writer_process.py full VAULT       # key hex on stdin; tries one save larger than the file-size limit
"""

from __future__ import annotations

import os
import resource
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from fieldapp.errors import FieldappError  # noqa: E402
from fieldapp.storage.connection import connect, transaction  # noqa: E402


def crash_loop(conn) -> None:
    n = 0
    while True:
        n += 1
        with transaction(conn):
            venue_id = conn.execute("INSERT INTO venues (name, kind, notes) VALUES (?, 'street_area', ?) RETURNING id",
                                    (f"venue {n}", "n" * (n % 7 * 300))).fetchone()[0]
            conn.execute("INSERT INTO visits (venue_id, started_at) VALUES (?, '2026-11-01T20:00:00+00:00')",
                         (venue_id,))
        print(venue_id, flush=True)


def too_big(conn, path: Path) -> int:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)     # get EFBIG instead of being killed
    biggest = max(p.stat().st_size for p in path.parent.iterdir())
    resource.setrlimit(resource.RLIMIT_FSIZE, (biggest + 64 * 1024, resource.RLIM_INFINITY))
    try:
        with transaction(conn):
            conn.execute("INSERT INTO venues (name, kind, notes) VALUES ('too big', 'other', ?)", ("x" * 4_000_000,))
    except FieldappError as error:
        print(error.message, flush=True)
        return error.exit_code
    return 0


if __name__ == "__main__":
    mode, vault = sys.argv[1], Path(sys.argv[2])
    connection = connect(vault, bytes.fromhex(sys.stdin.readline().strip()))
    if mode == "crash":
        crash_loop(connection)
    sys.exit(too_big(connection, vault))
    os._exit(0)
