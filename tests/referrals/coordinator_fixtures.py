"""The coordinators' fixtures (a pytest plugin, listed in tests/conftest.py so every test module can use them)."""

import pytest

from tests.referrals.factories import PASSWORD, make_coordinator, verified_client


@pytest.fixture
def coordinator(db):
    return make_coordinator("coord", PASSWORD)


@pytest.fixture
def coordinator_client(coordinator):
    return verified_client(coordinator)
