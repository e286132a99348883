"""Sub-commands contributed by feature packages; each entry is ``register(subparsers)``."""

from __future__ import annotations

REGISTRARS: list = []
