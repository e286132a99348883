"""Colleagues who can be named on a visit's team: every active user's name, for anyone who keeps
records (the user administration itself stays with admins)."""

from __future__ import annotations

from fieldapp.domain.records import User
from fieldapp.security.session import Session
from fieldapp.storage import users_repo


def team_members(session: Session) -> list[User]:
    session.require("records")
    return [User(name=u.name, role=u.role, active=u.active, id=u.id)
            for u in users_repo.list_users(session.conn) if u.active or u.id == session.user.id]
