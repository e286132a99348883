"""The steps of a deactivation after the member's keys turned, and their finish at an admin's unlock.

The users list marks the member inactive, the copy kept from before a migration goes (the member's old
passphrase would open it), the layers above replace what the member may have kept (the organisation's
referral signing key: ``fieldapp.lifecycle.members`` hands that step in), and then the admin's list
forgets the member. A crash before the last step leaves the member listed as leaving, and the next
admin's unlock that is handed the same step runs them all again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fieldapp.errors import FieldappError, IntegrityError
from fieldapp.i18n import _
from fieldapp.security import copies, membership
from fieldapp.security.hierarchy import ADMIN
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, sidecar, users_repo

OnLeaving = Callable[[Session], Path | None]
"""What a layer above replaces when a member leaves; returns a file for the admin to send on, or None."""


def finish(session: Session, slot_id: str, user_id: int, on_leaving: OnLeaving) -> Path | None:
    """The steps after the keys turned (see the module docstring); returns what ``on_leaving`` wrote."""
    session.require("users")
    copies.forget_pre_migration(session.path)
    with session.write() as conn:
        if users_repo.is_active(conn, user_id):
            users_repo.set_active(conn, user_id, False)
            audit_repo.append(conn, session.user.id, "user.deactivate", "user", user_id)
    problem, written = None, None
    try:
        written = on_leaving(session)                        # they may have kept the referral signing key
    except (FieldappError, OSError, ValueError) as error:   # a damaged key or folder must not loop
        problem = error.message if isinstance(error, FieldappError) else str(error)
    side = sidecar.read(session.path)
    membership.verify(side, session.keys[ADMIN])
    membership.forget(side, slot_id)
    membership.seal_list(side, session.keys[ADMIN])
    sidecar.write(session.path, side)
    if problem is not None:
        raise IntegrityError(_("The user was deactivated and every key they held was replaced, but the "
                               "organisation's referral signing key could not be replaced ({reason}). "
                               "Ask for help before sending more referrals.").format(reason=problem))
    return written


def finish_deactivations(session: Session, on_leaving: OnLeaving) -> int:
    """At an admin's unlock: finish every deactivation a crash cut short after the keys turned;
    returns how many were finished."""
    session.require("users")
    side = sidecar.read(session.path)
    membership.verify(side, session.keys[ADMIN])
    leaving = sorted(membership.leaving(side).items())
    for slot_id, user_id in leaving:
        finish(session, slot_id, user_id, on_leaving)
    return len(leaving)
