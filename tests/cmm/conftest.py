"""Fixtures for CMM's side: the NGO's vault set up for referrals (to make real packets) and CMM's key."""

from __future__ import annotations

import pytest

from tests.referral.helpers import cmm_secret, setup_channel


@pytest.fixture
def ready(session):
    setup_channel(session)
    return session


@pytest.fixture
def cmm():
    return cmm_secret()
