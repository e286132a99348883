"""Aliases: the search key they are found by, and when two of them look alike."""

from __future__ import annotations

import unicodedata

_MIN_CONTAINED = 3
# Letters that Unicode does not decompose into a base letter and a mark.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def alias_key(text: str) -> str:
    """Case, accents and punctuation folded away: 'Ána-Maria ' -> 'ana maria', 'Køge' -> 'koge'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        kept.append(char if char.isalnum() else " ")
    return " ".join("".join(kept).split())


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or ``limit + 1`` as soon as it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def keys_similar(a: str, b: str) -> bool:
    """Two alias keys that may name the same person: equal, one inside the other, or a typo apart."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a.replace(" ", ""), b.replace(" ", "")), key=len)
    if len(short) >= _MIN_CONTAINED and short in long_:
        return True
    limit = 1 if len(short) < 8 else 2
    return len(short) >= _MIN_CONTAINED and edit_distance(short, long_, limit) <= limit
