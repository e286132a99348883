"""Sessions for each role on one vault, and a few records to work with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fieldapp.domain.records import Person, Venue
from fieldapp.records import people, venues
from fieldapp.security.session import Session
from tests.conftest import AGREED

EARLIER = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)


@pytest.fixture
def venue(session: Session) -> Venue:
    return venues.create_venue(session, Venue(name="Lotus Massage", kind="massage_clinic", region="syddanmark"))


@pytest.fixture
def person(session: Session) -> Person:
    return people.create_person(session, Person(**AGREED, alias="Mali", gender="woman", age_estimate=30,
                                                nationality="TH", languages=("th",)))
