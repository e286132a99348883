"""The organisation's own codes (``domain.custom_codes``), and how many records use one."""

from __future__ import annotations

from fieldapp.domain.custom_codes import CustomCode
from fieldapp.storage.connection import Connection

# Where each list's codes are kept: (table, column, several codes in one cell).
_USED_IN = {
    "venue_kinds": (("venues", "kind", False),),
    "platforms": (("online_sessions", "platform", False),),
    "services": (("contacts", "services", True),),
    "languages": (("people", "languages", True), ("visits", "languages", True),
                  ("visit_materials", "language", False)),
}


def all_codes(conn: Connection) -> list[CustomCode]:
    """Every own code, each list's sorted by label; none in a vault from before own codes (read-only, not
    upgraded)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'custom_codes'").fetchone() is None:
        return []
    rows = conn.execute("SELECT list, code, label, parent FROM custom_codes ORDER BY list, label COLLATE NOCASE, code")
    return [CustomCode(*row) for row in rows]


def insert(conn: Connection, code: CustomCode) -> None:
    conn.execute("INSERT INTO custom_codes (list, code, label, parent) VALUES (?, ?, ?, ?)",
                 (code.list_name, code.code, code.label, code.parent))


def update(conn: Connection, code: CustomCode) -> bool:
    """Change an own code's label and parent; False when there is no such code."""
    cursor = conn.execute("UPDATE custom_codes SET label = ?, parent = ? WHERE list = ? AND code = ?",
                          (code.label, code.parent, code.list_name, code.code))
    return cursor.rowcount > 0


def delete(conn: Connection, list_name: str, code: str) -> bool:
    cursor = conn.execute("DELETE FROM custom_codes WHERE list = ? AND code = ?", (list_name, code))
    return cursor.rowcount > 0


def uses(conn: Connection, list_name: str, code: str) -> int:
    """How many records name ``code`` (a record naming it in two places counts twice)."""
    total = 0
    for table, column, several in _USED_IN[list_name]:
        if several:
            where = f"instr(' ' || replace({column}, ',', ' ') || ' ', ' ' || ? || ' ') > 0"
        else:
            where = f"{column} = ?"
        total += conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", (code,)).fetchone()[0]
    return total
