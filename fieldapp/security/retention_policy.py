"""The retention policy: how long people and visit logs are kept, and whether a run happens by itself.

It lives in the key file under the administration MAC (``security.membership``), with the member list
and the emergency settings: someone with the files and the core key cannot shorten it or switch
automatic runs on. Every user may read it; changing it needs "settings". The runs themselves are
``fieldapp.lifecycle.retention``'s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.security import membership
from fieldapp.security.hierarchy import ADMIN
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, settings_repo, sidecar

POLICY_KEY = "retention_policy"


@dataclass(frozen=True)
class RetentionPolicy:
    people_inactive_months: int = 24     # people with no contact for this long
    visits_months: int = 60              # visit logs older than this
    automatic: bool = False              # run once a day at unlock

    def validate(self) -> None:
        if not (1 <= self.people_inactive_months <= 240 and 1 <= self.visits_months <= 240):
            raise InvalidInput(_("Retention periods must be between 1 and 240 months."))


def months_before(today: date, months: int) -> date:
    """The day ``months`` before ``today`` (a cutoff of the policy)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, 28))


def load_policy(session: Session) -> RetentionPolicy:
    """The policy as the key file has it (to show it; a run checks it first, see ``checked_policy``)."""
    session.require("records")
    return _policy(sidecar.read(session.path).retention)


def _policy(data: dict) -> RetentionPolicy:
    return RetentionPolicy(**data) if data else RetentionPolicy()


def checked_policy(session: Session) -> RetentionPolicy:
    """The policy an admin saved: it sits in the key file under the administration MAC, so an edit by
    anyone without that key stops every run (IntegrityError) instead of deleting what it says."""
    session.require("retention")
    side = sidecar.read(session.path)
    membership.verify(side, session.keys[ADMIN])
    policy = _policy(side.retention)
    policy.validate()
    return policy


def save_policy(session: Session, policy: RetentionPolicy) -> None:
    session.require("settings")
    policy.validate()
    side = sidecar.read(session.path)
    membership.verify(side, session.keys[ADMIN])
    side.retention = asdict(policy)
    membership.seal_list(side, session.keys[ADMIN])
    sidecar.write(session.path, side)
    with session.write() as conn:
        settings_repo.delete(conn, POLICY_KEY)          # where versions before kept it, unprotected
        audit_repo.append(conn, session.user.id, "retention.policy")


def adopt_old_policy(session: Session) -> RetentionPolicy | None:
    """At an admin's unlock: a policy kept in the core settings by an earlier version (where anyone with
    the core key could edit it) moves under the administration MAC with automatic runs switched off,
    and is returned so the admin is asked to check it; None when there was none to move."""
    session.require("settings")
    stored = settings_repo.get(session.conn, POLICY_KEY)
    if stored is None:
        return None
    if sidecar.read(session.path).retention:       # an admin saved one since: the old row is only a leftover
        with session.write() as conn:
            settings_repo.delete(conn, POLICY_KEY)
        return None
    try:
        old = RetentionPolicy(**{k: v for k, v in dict(stored).items() if k in RetentionPolicy.__dataclass_fields__})
        old.validate()
    except (TypeError, ValueError, InvalidInput):
        old = RetentionPolicy()
    adopted = RetentionPolicy(old.people_inactive_months, old.visits_months, automatic=False)
    save_policy(session, adopted)
    return adopted
