"""Retention: records past their time are deleted for real (secure_delete, then VACUUM).

The policy lives in the key file under the administration MAC (``security.membership``), with the
member list and the emergency settings: someone with the files and the core key cannot shorten it
or switch automatic runs on. A preview shows what a run would delete; a run can be started by hand or,
when switched on, once a day at unlock.

Every user may read the policy and preview it. Changing the policy needs "settings" and a run by
hand needs "retention" (administrators). The scheduled run happens at an administrator's unlock, when
an administrator switched it on, at most once a day; every run checks the policy's MAC first and
deletes only what the policy says.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.lifecycle.backup import forget_pre_migration
from fieldapp.security import membership
from fieldapp.security.hierarchy import ADMIN
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, backup, retention_repo, settings_repo, sidecar

POLICY_KEY = "retention_policy"
LAST_RUN_KEY = "retention_last_run"


@dataclass(frozen=True)
class RetentionPolicy:
    people_inactive_months: int = 24     # people with no contact for this long
    visits_months: int = 60              # visit logs older than this
    automatic: bool = False              # run once a day at unlock

    def validate(self) -> None:
        if not (1 <= self.people_inactive_months <= 240 and 1 <= self.visits_months <= 240):
            raise InvalidInput(_("Retention periods must be between 1 and 240 months."))


@dataclass(frozen=True)
class RetentionPlan:
    people: list[str]
    visits: list[str]
    people_cutoff: date
    visits_cutoff: date

    @property
    def empty(self) -> bool:
        return not self.people and not self.visits


def load_policy(session: Session) -> RetentionPolicy:
    """The policy as the key file has it (to show it; a run checks it first, see ``_checked_policy``)."""
    session.require("records")
    return _policy(sidecar.read(session.path).retention)


def _policy(data: dict) -> RetentionPolicy:
    return RetentionPolicy(**data) if data else RetentionPolicy()


def _checked_policy(session: Session) -> RetentionPolicy:
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


def _months_before(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, 28))


def preview(session: Session, today: date | None = None) -> RetentionPlan:
    """What a run would delete, by the policy as the key file has it (``_run`` uses the checked one)."""
    session.require("records")
    return _plan(session, load_policy(session), today)


def _plan(session: Session, policy: RetentionPolicy, today: date | None) -> RetentionPlan:
    today = today or datetime.now(UTC).date()
    people_cutoff = _months_before(today, policy.people_inactive_months)
    visits_cutoff = _months_before(today, policy.visits_months)
    return RetentionPlan(
        people=retention_repo.people_inactive_since(session.conn, people_cutoff.isoformat()),
        visits=retention_repo.visits_before(session.conn, visits_cutoff.isoformat()),
        people_cutoff=people_cutoff, visits_cutoff=visits_cutoff)


def run(session: Session, today: date | None = None) -> RetentionPlan:
    """Delete what the preview shows, in one transaction, then rebuild the file."""
    session.require("retention")
    return _run(session, today)


def _run(session: Session, today: date | None = None) -> RetentionPlan:
    plan = _plan(session, _checked_policy(session), today)
    with session.write() as conn:
        retention_repo.delete_people(conn, plan.people)
        retention_repo.delete_visits(conn, plan.visits)
        settings_repo.put(conn, LAST_RUN_KEY, datetime.now(UTC).isoformat())
        audit_repo.append(conn, session.user.id, "retention.run", "people", len(plan.people))
    if not plan.empty:
        backup.vacuum(session.conn)
        forget_pre_migration(session.path)          # what was deleted must not stay in a copy
    return plan


def run_if_due(session: Session) -> RetentionPlan | None:
    """The scheduled run: at most once a day, only when switched on, and only at the unlock of someone
    who can check the policy's MAC (an admin); others' unlocks leave it to them."""
    session.require("records")
    if session.read_only or not session.can("retention") or not load_policy(session).automatic:
        return None
    last = settings_repo.get(session.conn, LAST_RUN_KEY)
    if last and datetime.now(UTC) - datetime.fromisoformat(last) < timedelta(days=1):
        return None
    return _run(session)
