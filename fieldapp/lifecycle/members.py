"""A member leaving, across the layers: ``security`` removes their slot and turns every key they held,
``referral`` replaces the organisation's signing key they may have kept. The front ends unlock and
deactivate through here, so an admin's unlock also finishes a deactivation a crash cut short."""

from __future__ import annotations

from pathlib import Path

from fieldapp.referral import org_rotation
from fieldapp.security import users, vault
from fieldapp.security.session import Session


def unlock(path: Path, user_name: str | None, passphrase: str) -> Session:
    """``security.vault.unlock``; an admin's unlock also finishes the deactivations a crash cut short."""
    return vault.unlock(path, user_name, passphrase, on_leaving=org_rotation.replace_after_leaving)


def deactivate(session: Session, user_id: int) -> Path | None:
    """``security.users.deactivate`` with the organisation's referral signing key replaced; returns the
    key-rotation statement for CMM (beside the vault, in ``cmm-key-rotation/``), or None when the
    organisation has no signing key."""
    return users.deactivate(session, user_id, org_rotation.replace_after_leaving)
