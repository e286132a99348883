"""Users of a vault (their wrapped keys live in the sidecar; names and roles live here)."""

from __future__ import annotations

from datetime import UTC, datetime

from fieldapp.domain.records import User
from fieldapp.storage.connection import Connection

_COLUMNS = "id, name, role, active, created_at"


def _row_to_user(row) -> User:
    return User(id=row[0], name=row[1], role=row[2], active=bool(row[3]),
                created_at=datetime.fromisoformat(row[4]))


def insert_user(conn: Connection, user: User, lookup_id: str) -> User:
    created = datetime.now(UTC)
    cur = conn.execute(
        "INSERT INTO users (name, role, lookup_id, active, created_at) VALUES (?, ?, ?, ?, ?)",
        (user.name, user.role, lookup_id, int(user.active), created.isoformat()),
    )
    return User(name=user.name, role=user.role, active=user.active, id=cur.lastrowid, created_at=created)


def user_by_lookup(conn: Connection, lookup_id: str) -> User | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE lookup_id = ?", (lookup_id,)).fetchone()
    return _row_to_user(row) if row else None


def lookup_of(conn: Connection, user_id: int) -> str | None:
    row = conn.execute("SELECT lookup_id FROM users WHERE id = ?", (user_id,)).fetchone()
    return row[0] if row else None


def list_users(conn: Connection) -> list[User]:
    return [_row_to_user(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name")]


def is_active(conn: Connection, user_id: int) -> bool:
    row = conn.execute("SELECT active FROM users WHERE id = ?", (user_id,)).fetchone()
    return bool(row and row[0])


def set_active(conn: Connection, user_id: int, active: bool) -> None:
    conn.execute("UPDATE users SET active = ? WHERE id = ?", (int(active), user_id))


def set_role(conn: Connection, user_id: int, role: str) -> None:
    conn.execute("UPDATE users SET role = ? WHERE id = ?", (role, user_id))
