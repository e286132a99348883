"""The demo vault: synthetic data, fixed documented passphrase, several users to try each role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fieldapp.crypto import keys
from fieldapp.security import vault
from fieldapp.security.session import Session

DEMO_PASSPHRASE = "demo-outreach-2026"
DEMO_USER = "demo"
# Further demo users (same passphrase), so every role can be tried.
DEMO_USERS = (("nurse", "health"), ("adviser", "legal"), ("outreach", "outreach"),
              ("coordinator", "coordinator"))


def create_demo_vault(path: Path, people: int = 400, seed: int = 2026,
                      progress: Callable[[int, int], None] | None = None) -> Session:
    """Create and fill a demo vault; the data is synthetic. Returns the open session."""
    from fieldapp.demo.referrals import prepare_demo_referrals
    from fieldapp.demo.synthetic_store import populate

    session, _recovery = vault.create_vault(path, DEMO_USER, "admin", DEMO_PASSPHRASE, demo=True,
                                            params=keys.FLOOR)
    try:
        for name, role in DEMO_USERS:
            vault.add_user(session, name, role, DEMO_PASSPHRASE, DEMO_PASSPHRASE, params=keys.FLOOR)
        populate(session, people=people, seed=seed, progress=progress)
        prepare_demo_referrals(session, _people_with_signs(session))
    except BaseException:
        session.close(audit_lock=False)
        raise
    return session


def _people_with_signs(session: Session) -> list[str]:
    """People whose contacts recorded signs of trafficking: the ones a worker would refer."""
    from fieldapp.domain.queries import PeopleFilter
    from fieldapp.records import contacts, people

    chosen = []
    for person in people.list_people(session, PeopleFilter(), 0, 200):
        if any(entry.contact.indicators for entry in contacts.timeline(session, person.id)):
            chosen.append(person.id)
        if len(chosen) >= 3:
            break
    return chosen
