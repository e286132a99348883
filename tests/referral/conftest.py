"""Fixtures for the referral tests: a vault whose organisation key and CMM key are set up."""

from __future__ import annotations

import pytest

from tests.referral.helpers import cmm_secret, setup_channel


@pytest.fixture
def ready(session):
    """An admin session with the organisation's signing key and CMM's public key in place."""
    setup_channel(session)
    return session


@pytest.fixture
def cmm():
    return cmm_secret()
