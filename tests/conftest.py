"""Fixtures shared by every test module. Plain helpers live in each app's factories.py, never here."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import translation
from django.utils.functional import empty

from core import page_cache
from referrals.models import private_storage
from referrals.notifications import send_pending

# Fixtures for the coordinators' admin tests (coordinator, coordinator_client).
pytest_plugins = ["tests.referrals.coordinator_fixtures"]

# Django's default hasher (PBKDF2, a million rounds) takes 0.3-0.7 s per password here, and the suite creates and
# signs in a few hundred coordinators: minutes of CPU that test nothing. The project's own hashers are still used
# end to end by tests/referrals/test_auth.py (test_the_project_hasher_stores_...) and by the `make` subprocesses.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _flush_postgresql_with_delete():
    """Empty the tables after a transactional test with DELETE, not TRUNCATE, on PostgreSQL.

    Every test that uses the live server (the browser tests) or ``transaction=True`` ends with Django's flush of
    every table. PostgreSQL's TRUNCATE of the project's ~35 tables takes about a second (new files for each table
    and index); DELETE of the few rows a test leaves takes ~10 ms in the same single transaction (Django's foreign
    keys are deferred to its commit; no table has a trigger). The tables end up just as empty, post_migrate runs
    as before, and neither resets sequences. Only the test process is changed; nothing in the project flushes.
    """
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no psycopg installed: SQLite only
        return
    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]

    DatabaseOperations.sql_flush = sql_flush


_flush_postgresql_with_delete()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Tests run with DEBUG off, but without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Every test gets its own private media folder, so no file outlives it.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    private = settings.LOCAL_PRIVATE_STORAGE  # the folder, even when the shell has S3_BUCKET set
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], "location": settings.PRIVATE_MEDIA_ROOT}},
    }
    private_storage()._wrapped = empty  # look up STORAGES["private"] again
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SECURE_SSL_REDIRECT = False
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _isolated_cache_and_language(settings):
    # A private in-memory cache per test, so rate-limit counters never leak between tests.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cip-tests"}}
    cache.clear()
    # Content pages are rendered afresh in every test that reads them; tests/programs/test_page_cache.py turns the
    # page cache on and checks what it serves and when it refreshes.
    settings.PAGE_CACHE_SECONDS = 0
    page_cache.forget()
    # A request to /es/ leaves Spanish active in the test thread: start and end in English.
    translation.activate("en")
    yield
    translation.activate("en")
    cache.clear()


class DeliveredOutbox(list):
    """The mail server's inbox as the outbox worker leaves it: reading it first runs one worker pass.

    No request sends email (the outbox worker does, seconds later), so a test that
    submits a form and then reads ``mailoutbox`` sees what the worker would have
    delivered by then. ``undelivered()`` is the inbox without running the worker:
    what the request itself sent, which must stay empty.
    """

    def _deliver(self):
        try:
            send_pending()
        except RuntimeError:  # a test without database access has no outbox to send from
            pass

    def undelivered(self):
        return list(super().__iter__())

    def __iter__(self):
        self._deliver()
        return super().__iter__()

    def __len__(self):
        self._deliver()
        return super().__len__()

    def __getitem__(self, index):
        self._deliver()
        return super().__getitem__(index)

    def __bool__(self):
        return len(self) > 0

    def __eq__(self, other):
        self._deliver()
        return list(super().__iter__()) == other

    __hash__ = None


@pytest.fixture(autouse=True)
def _delivered_outbox():
    mail.outbox = DeliveredOutbox()
    yield
    mail.outbox = DeliveredOutbox()


@pytest.fixture
def mailoutbox(_delivered_outbox):
    """Overrides pytest-django's: the emails the outbox worker has sent by the time the test reads them."""
    return mail.outbox


def pytest_terminal_summary(terminalreporter):
    # Says plainly, at the end of `make test`, when the browser tests or the S3 storage tests were skipped.
    from tests.browser.availability import report_missing_browser
    from tests.s3 import report_s3_skipped

    report_missing_browser(terminalreporter)
    report_s3_skipped(terminalreporter)
