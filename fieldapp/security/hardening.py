"""Process hardening: no core dumps (a crash must not write the key to disk)."""

from __future__ import annotations

import contextlib


def apply() -> None:
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _not_dumpable()


def _not_dumpable() -> None:
    """On Linux, PR_SET_DUMPABLE=0 also keeps other same-user processes from reading our memory."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes
        import ctypes.util

        libc_name = ctypes.util.find_library("c")
        if not libc_name:
            return
        libc = ctypes.CDLL(libc_name, use_errno=True)
        pr_set_dumpable = 4
        libc.prctl(pr_set_dumpable, 0, 0, 0, 0)
