"""What each role may do. Services check these; the UI only follows them.

Every public service function that takes a session checks one capability before it reads or writes
anything; ``tests/security/test_capabilities.py`` holds the table of which one.
"""

from __future__ import annotations

CAPABILITIES: dict[str, frozenset[str]] = {
    "outreach": frozenset({"records"}),
    # Importing old records from spreadsheets: administrators and coordinators, and health staff and legal
    # advisers, who alone hold the keys to import a health or legal part (AmiAmi's health records of 2006-2019).
    "health": frozenset({"records", "health", "import"}),
    "legal": frozenset({"records", "legal", "reports_legal", "import"}),
    # Coordinators evaluate the legal pilot from its figures, never from its sessions.
    "coordinator": frozenset({"records", "reports_exact", "reports_legal", "referrals_send", "import"}),
    "admin": frozenset({"records", "users", "settings", "referrals_send", "backup", "retention", "wipe", "audit",
                        "import"}),
}


def can(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())

