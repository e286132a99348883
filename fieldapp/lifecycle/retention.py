"""Retention: records past their time are deleted for real (secure_delete, then VACUUM).

The policy is ``security.retention_policy``'s (in the key file, under the administration MAC). A
preview shows what a run would delete; a run can be started by hand or, when switched on, once a day
at unlock.

Every user may preview. A run by hand needs "retention" (administrators). The scheduled run happens at
an administrator's unlock, when an administrator switched it on, at most once a day; every run checks
the policy's MAC first and deletes only what the policy says.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fieldapp.security import copies, retention_policy
from fieldapp.security.retention_policy import RetentionPolicy
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, backup, retention_repo, settings_repo

LAST_RUN_KEY = "retention_last_run"


@dataclass(frozen=True)
class RetentionPlan:
    people: list[str]
    visits: list[str]
    people_cutoff: date
    visits_cutoff: date

    @property
    def empty(self) -> bool:
        return not self.people and not self.visits


def preview(session: Session, today: date | None = None) -> RetentionPlan:
    """What a run would delete, by the policy as the key file has it (``_run`` uses the checked one)."""
    session.require("records")
    return _plan(session, retention_policy.load_policy(session), today)


def _plan(session: Session, policy: RetentionPolicy, today: date | None) -> RetentionPlan:
    today = today or datetime.now(UTC).date()
    people_cutoff = retention_policy.months_before(today, policy.people_inactive_months)
    visits_cutoff = retention_policy.months_before(today, policy.visits_months)
    return RetentionPlan(
        people=retention_repo.people_inactive_since(session.conn, people_cutoff.isoformat()),
        visits=retention_repo.visits_before(session.conn, visits_cutoff.isoformat()),
        people_cutoff=people_cutoff, visits_cutoff=visits_cutoff)


def run(session: Session, today: date | None = None) -> RetentionPlan:
    """Delete what the preview shows, in one transaction, then rebuild the file."""
    session.require("retention")
    return _run(session, today)


def _run(session: Session, today: date | None = None) -> RetentionPlan:
    plan = _plan(session, retention_policy.checked_policy(session), today)
    with session.write() as conn:
        retention_repo.delete_people(conn, plan.people)
        retention_repo.delete_visits(conn, plan.visits)
        settings_repo.put(conn, LAST_RUN_KEY, datetime.now(UTC).isoformat())
        audit_repo.append(conn, session.user.id, "retention.run", "people", len(plan.people))
    if not plan.empty:
        backup.vacuum(session.conn)
        copies.forget_pre_migration(session.path)          # what was deleted must not stay in a copy
    return plan


def run_if_due(session: Session) -> RetentionPlan | None:
    """The scheduled run: at most once a day, only when switched on, and only at the unlock of someone
    who can check the policy's MAC (an admin); others' unlocks leave it to them."""
    session.require("records")
    if session.read_only or not session.can("retention") or not retention_policy.load_policy(session).automatic:
        return None
    last = settings_repo.get(session.conn, LAST_RUN_KEY)
    if last and datetime.now(UTC) - datetime.fromisoformat(last) < timedelta(days=1):
        return None
    return _run(session)
