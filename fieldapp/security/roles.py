"""What each role may do. Services check these; the UI only follows them."""

from __future__ import annotations

from fieldapp.errors import PermissionDenied

CAPABILITIES: dict[str, frozenset[str]] = {
    "outreach": frozenset({"records"}),
    "health": frozenset({"records", "health"}),
    "legal": frozenset({"records", "legal"}),
    "coordinator": frozenset({"records", "reports_exact", "referrals_send"}),
    "admin": frozenset({"records", "users", "settings", "referrals_send", "backup", "wipe", "audit"}),
}


def can(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())


def require(role: str, capability: str) -> None:
    if not can(role, capability):
        raise PermissionDenied()
