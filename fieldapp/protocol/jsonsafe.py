"""Strict parsing of JSON that came from outside (a packet's signed body, a receipt, a key file).

The standard ``json.loads`` recurses once per level of nesting and raises RecursionError on deep input,
so the depth is measured first, by a scan that does not recurse. Then: ASCII only, no duplicate keys,
no NaN or Infinity, no control characters in any string or key, and, for signed documents, the
canonical re-encoding must be the very bytes that were signed (one document, one encoding).
"""

from __future__ import annotations

import json

MAX_DEPTH = 8
MAX_BYTES = 64 * 1024
_OPEN, _CLOSE, _QUOTE, _BACKSLASH = frozenset(b"[{"), frozenset(b"]}"), ord('"'), ord("\\")


class NotStrictJson(ValueError):
    """The bytes are not one strict JSON document within the limits."""


def nesting_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects, counted without parsing (brackets inside strings do
    not count). Malformed input gets some number; the parser refuses it afterwards."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif byte in _CLOSE:
            depth -= 1
    return deepest


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _value in pairs]
    if len(keys) != len(set(keys)):
        raise NotStrictJson("duplicate key")
    return dict(pairs)


def _no_constants(name: str) -> None:
    raise NotStrictJson(name)


# Line and paragraph separators and the bidirectional controls, which can make a printed value read as
# something else; C0 and C1 control characters are checked by range.
_INVISIBLE = frozenset("\u2028\u2029\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _has_control(text: str) -> bool:
    """C0 and C1 controls, separators, direction controls, and lone surrogates (no UTF-8 form at all)."""
    return any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or 0xD800 <= ord(ch) <= 0xDFFF or ch in _INVISIBLE
               for ch in text)


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise NotStrictJson("number out of range")
    return value


def _check_strings(value: object) -> None:
    """Depth is already bounded, so this walk is too."""
    if isinstance(value, str):
        if _has_control(value):
            raise NotStrictJson("control character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def canonical(value: object) -> bytes:
    """Sorted keys, no spaces, ASCII only: the one encoding that is signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False).encode("ascii")


def loads(raw: bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES, canonical_only: bool = False):
    """One strict JSON value from ``raw``, or ``NotStrictJson``; never RecursionError or MemoryError from a
    hostile document. ``canonical_only``: ``raw`` must equal ``canonical()`` of what it holds."""
    if len(raw) > max_bytes:
        raise NotStrictJson("too large")
    if nesting_depth(raw) > max_depth:
        raise NotStrictJson("nested too deep")
    try:
        text = raw.decode("ascii") if canonical_only else raw.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constants,
                           parse_float=_finite)
        _check_strings(value)
        if canonical_only and canonical(value) != raw:
            raise NotStrictJson("not the canonical encoding")
    except NotStrictJson:
        raise
    except (UnicodeError, ValueError, RecursionError) as exc:
        raise NotStrictJson(type(exc).__name__) from exc
    return value


def loads_object(raw: bytes, **limits) -> dict:
    value = loads(raw, **limits)
    if not isinstance(value, dict):
        raise NotStrictJson("not an object")
    return value
