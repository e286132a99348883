"""Sessions for each role on one vault, and a few records to work with."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from fieldapp.domain.records import Person, User, Venue
from fieldapp.records import people, venues
from fieldapp.security.session import Session
from fieldapp.storage import users_repo
from fieldapp.storage.connection import transaction
from tests.conftest import AGREED

EARLIER = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)


@pytest.fixture
def act_as(session: Session) -> Callable[[str], Session]:
    """``act_as(role)``: the same open vault, signed in as a new user with that role."""

    def make(role: str) -> Session:
        with transaction(session.conn):
            user = users_repo.insert_user(session.conn, User(name=f"{role} {secrets.token_hex(2)}", role=role),
                                          f"lookup-{secrets.token_hex(8)}")
        return replace(session, user=user)

    return make


@pytest.fixture
def venue(session: Session) -> Venue:
    return venues.create_venue(session, Venue(name="Lotus Massage", kind="massage_clinic", region="syddanmark"))


@pytest.fixture
def person(session: Session) -> Person:
    return people.create_person(session, Person(**AGREED, alias="Mali", gender="woman", age_estimate=30,
                                                nationality="TH", languages=("th",)))
