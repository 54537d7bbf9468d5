"""Fixtures for the coordinators' admin tests (imported by each test_admin*/test_workflow module)."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.referrals.factories import make_coordinator

PASSWORD = "correct horse battery staple"


def verified_client(user):
    """A client signed in as ``user`` with a confirmed TOTP device, as after a two-factor login."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def coordinator(db):
    return make_coordinator("coord", PASSWORD)


@pytest.fixture
def coordinator_client(coordinator):
    return verified_client(coordinator)
