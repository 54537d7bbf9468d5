"""Fixtures for the referrals tests. Data builders and helpers are in factories.py; the coordinators'
fixtures in coordinator_fixtures.py; the per-test cache and language in tests/conftest.py."""

import pytest


@pytest.fixture(autouse=True)
def _intake_settings(settings):
    settings.RATELIMIT_POSTS = 1000
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    settings.UPLOAD_MAX_FILES = 10
    settings.INTAKE_EMAIL = "intake@example.org"
    settings.SITE_URL = "https://cip.example.org"
