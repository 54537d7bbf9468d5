"""Fixtures shared by every test module."""

import pytest

# Fixtures for the coordinators' admin tests (coordinator, coordinator_client).
pytest_plugins = ["tests.referrals.coordinator_fixtures"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Tests run with DEBUG off, but without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Every test gets its own private media folder, so no file outlives it.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SECURE_SSL_REDIRECT = False


def pytest_terminal_summary(terminalreporter):
    # Says plainly, at the end of `make test`, when the browser tests were skipped for want of Chromium.
    from tests.browser.availability import report_missing_browser

    report_missing_browser(terminalreporter)
