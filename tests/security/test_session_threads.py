"""Each thread has its own database connection: work off the window's thread opens one keyed like the session's
(the same compartments attached, its events signed), uses it for the block, closes it, and can be interrupted
alone."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import pytest

from fieldapp.domain.records import Contact, HealthContact, Person
from fieldapp.records import health, people
from fieldapp.security import audit
from fieldapp.storage.connection import DatabaseError
from tests.conftest import AGREED


def _in_thread(work):
    result: dict = {}

    def run() -> None:
        try:
            result["value"] = work()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_a_thread_gets_its_own_connection_with_the_same_keys_and_compartments(session) -> None:
    person = people.create_person(session, Person(**AGREED, alias="Thread Test", gender="woman", nationality="TH"))
    admin = session.user
    session.user = dataclasses.replace(admin, role="health")      # an admin holds the health key; a nurse's role
    health.save_health_contact(session, Contact(person_id=person.id, kind="health",
                                                occurred_at=datetime.now(UTC) - timedelta(hours=1)),
                               HealthContact(contact_id="", reason="injury", note="kept apart"))
    session.user = admin

    def work():
        with session.own_connection() as conn:
            assert session.conn is conn and conn is not session.window_conn
            notes = [row[0] for row in conn.execute("SELECT note FROM health_contacts")]
            people.create_person(session, Person(**AGREED, alias="Made In A Thread"))          # a write, audited
            return conn, notes

    conn, notes = _in_thread(work)
    assert notes == ["kept apart"]
    assert session.conn is session.window_conn                 # the window's thread keeps its own
    with pytest.raises(DatabaseError):
        conn.execute("SELECT 1")                               # closed at the end of the block
    assert "Made In A Thread" in [p.alias for p in people.list_people(session)]
    report = audit.verify(session)
    assert report.broken == [] and not report.edited and not report.unverifiable   # signed as this member


def test_interrupting_the_threads_connections_leaves_the_windows_alone(session) -> None:
    started, stop = threading.Event(), threading.Event()

    def work():
        with session.own_connection() as conn:
            started.set()
            try:
                # A statement that runs until it is interrupted.
                conn.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                             "SELECT count(*) FROM n").fetchone()
            except DatabaseError as error:
                return str(error)
            finally:
                stop.set()
        return "not interrupted"

    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.update(value=work()), daemon=True)
    thread.start()
    assert started.wait(10)
    for _attempt in range(200):                     # until the statement has begun and been broken off
        session.interrupt_others()
        if stop.wait(0.05):
            break
    thread.join(10)
    assert "interrupt" in outcome["value"]
    assert session.conn.execute("SELECT count(*) FROM people").fetchone()[0] >= 0     # the window's still works


def test_a_lock_closes_and_unbinds_a_threads_connection_and_refuses_new_ones(session) -> None:
    from fieldapp.cancel import Cancelled
    from fieldapp.storage import audit_repo

    inside, release = threading.Event(), threading.Event()
    seen: dict = {}

    def work():
        with session.own_connection() as conn:
            seen["conn"] = conn
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    assert inside.wait(10)
    session.close(audit_lock=False)                            # a task that did not stop in time
    assert audit_repo._bound(seen["conn"]) is None              # noqa: SLF001 - it can no longer sign
    with pytest.raises(DatabaseError):
        seen["conn"].execute("SELECT 1")
    release.set()
    thread.join(10)
    with pytest.raises(Cancelled):
        with session.own_connection():
            pass
