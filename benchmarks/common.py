"""Shared helpers: medians of repeated runs and temporary vaults."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def median_ms(func: Callable[[], object], runs: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def metric(value: float, unit: str, scale: str) -> dict:
    return {"median": round(value, 3), "unit": unit, "scale": scale}


def kdf_floor() -> None:
    """Benchmarks that are not about unlocking use the KDF floor to save time."""
    os.environ.setdefault("FIELDAPP_KDF_MIB", "64")
