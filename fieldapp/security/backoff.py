"""Growing delays after failed unlocks, persisted in the sidecar so a restart does not reset them.

Optionally (off by default) the vault is wiped after a set number of failures, with a warning in
the last few attempts before.
"""

from __future__ import annotations

import time
from pathlib import Path

from fieldapp.errors import ExitCode, FieldappError, WrongPassphrase
from fieldapp.i18n import ngettext
from fieldapp.storage import sidecar
from fieldapp.storage.sidecar import Sidecar

FREE_ATTEMPTS = 3
MAX_DELAY_S = 300
WARN_BEFORE_WIPE = 3
clock = time.time


class TooManyAttempts(FieldappError):
    exit_code = ExitCode.TOO_SOON

    def __init__(self, wait_s: int) -> None:
        self.wait_s = wait_s
        super().__init__(ngettext("Too many wrong attempts. Wait {count} second before trying again.",
                                  "Too many wrong attempts. Wait {count} seconds before trying again.",
                                  wait_s).format(count=wait_s))


def delay_after(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive wrong attempts: 0, 0, 0, 2, 4, 8 ... 300."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return float(min(2 ** (failures - FREE_ATTEMPTS + 1), MAX_DELAY_S))


def check_allowed(side: Sidecar) -> None:
    if not side.failed_at:
        return
    wait = side.failed_at[-1] + delay_after(len(side.failed_at)) - clock()
    if wait > 0:
        raise TooManyAttempts(int(wait) + 1)


def record_failure(path: Path, side: Sidecar, error: WrongPassphrase) -> FieldappError:
    """Persist one more failure; wipe if the configured limit is reached. Returns the error to raise."""
    side.failed_at = [*side.failed_at, clock()][-100:]
    failures = len(side.failed_at)
    if side.wipe_after and failures >= side.wipe_after:
        from fieldapp.security.wipe import wipe_files

        wipe_files(path)
        return error
    sidecar.write(path, side)
    left = side.wipe_after - failures if side.wipe_after else 0
    if side.wipe_after and left <= WARN_BEFORE_WIPE:
        warning = ngettext("Warning: after {count} more wrong attempt this vault will be erased.",
                           "Warning: after {count} more wrong attempts this vault will be erased.",
                           left).format(count=left)
        return WrongPassphrase(f"{error.message}\n{warning}")
    return error


def take_failures(path: Path, side: Sidecar) -> list[float]:
    """After a good unlock: the failure times to audit; the counter starts again."""
    failures = list(side.failed_at)
    if failures:
        side.failed_at = []
        sidecar.write(path, side)
    return failures
