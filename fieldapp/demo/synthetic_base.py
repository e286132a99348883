"""What every synthetic record draws on: the staff it names and the ids it gets."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Staff:
    """Who the synthetic records name as creator, team members and legal adviser."""
    author: int
    team: tuple[int, ...]
    adviser: int


class Ids:
    """Random 128-bit record ids drawn from their own generator: the same seed and salt give the same
    ids (and the same data), and a new salt per load keeps two loads of one seed apart."""

    def __init__(self, seed: int, salt: str = "") -> None:
        self._rng = random.Random(f"ids:{seed}:{salt}")

    def next(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"
