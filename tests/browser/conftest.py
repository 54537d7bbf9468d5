"""
Real-browser tests: Playwright (pytest-playwright) driving Debian's Chromium
against pytest-django's ``live_server``.

Without /usr/bin/chromium the tests here are skipped, with a line saying so at
the end of the run (tests/conftest.py), so ``make test`` stays green on a laptop
without a browser.
With ``REQUIRE_BROWSER=1`` (set by ``.ci/run``) a missing browser fails them.
"""

import gc
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings

from .availability import CHROMIUM, MISSING_MESSAGE, REQUIRE_BROWSER
from .helpers import DESKTOP, MOBILE

# Playwright's sync API keeps an event loop running in the test thread for the
# whole session (the `playwright` fixture is session-scoped), and Django then
# refuses ORM calls in that thread. The flag is process-wide on purpose: with
# xdist, a worker that ran a browser file goes on to run other files while the
# Playwright session is still open.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_configure(config):
    # When a browser test fails, keep a screenshot of the page in test-results/ (gitignored).
    if config.getoption("--screenshot") == "off":
        config.option.screenshot = "only-on-failure"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _chromium_available():
    # Session-scoped and autouse, so it runs before pytest-playwright launches the browser.
    if not CHROMIUM.exists():
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER is set but Chromium is missing at {CHROMIUM}.", pytrace=False)
        pytest.skip(MISSING_MESSAGE)


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server(_chromium_available, request, django_db_setup, django_db_blocker):
    """Start the live server over plain HTTP, with short-lived database connections.

    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the live server's
    handler loads its middleware at start-up (before any per-test ``settings``
    fixture), and with DEBUG off it would send Chromium to https://localhost.

    Chromium keeps its HTTP connections alive, so one live-server thread serves
    many requests; with a persistent database connection (CONN_MAX_AGE) that
    thread would still hold it when the test database is dropped. The settings
    dict is shared by every thread's connection, so the change reaches them.
    """
    settings_dict = connection.settings_dict
    max_age = settings_dict.get("CONN_MAX_AGE")
    settings_dict["CONN_MAX_AGE"] = 0
    with override_settings(SECURE_SSL_REDIRECT=False):
        request.getfixturevalue("live_server")
    yield
    settings_dict["CONN_MAX_AGE"] = max_age
    # Torn down before the test database (this fixture depends on it). A thread
    # that has ended can leave its connection open until the garbage collector
    # frees it, and PostgreSQL then refuses to drop the database.
    gc.collect()
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-default-apps",
            "--disable-extensions",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    # page.goto("/refer/") then means the live server.
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": DESKTOP,
        "locale": "en-US",
        "accept_downloads": True,
        # Bootstrap scrolls smoothly unless motion is reduced: focus checks need the page to be where it ends up.
        "reduced_motion": "reduce",
    }


@pytest.fixture(autouse=True)
def _browser_settings(settings):
    # Every request comes from 127.0.0.1: the public forms' rate limit must not
    # trip across a whole browser session.
    settings.RATELIMIT_POSTS = 10_000


@pytest.fixture
def page(page, live_server):
    # Auto-waiting locators everywhere; a short default timeout makes a broken
    # page fail fast instead of stalling the suite.
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)
    return page


@pytest.fixture
def program_content(transactional_db):
    """The program's shipped content (home page, therapies, studies...), as `make run` loads it."""
    call_command("load_program_content", stdout=io.StringIO())


@pytest.fixture
def mobile_page(page):
    page.set_viewport_size(MOBILE)
    return page


@pytest.fixture(scope="session")
def screenshot_dir():
    """Where screenshots go: ``screenshots/`` at the repository root, or $SCREENSHOT_DIR."""
    default = Path(__file__).resolve().parents[2] / "screenshots"
    folder = Path(os.environ.get("SCREENSHOT_DIR") or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shoot(screenshot_dir):
    """shoot(page, "home") writes home-<width>.png (the whole page) and home-<width>-top.png (the first screen)."""

    def _shoot(page, name):
        width = page.viewport_size["width"]
        path = screenshot_dir / f"{name}-{width}.png"
        options = {"animations": "disabled", "caret": "hide"}
        page.screenshot(path=str(path), full_page=True, **options)
        page.screenshot(path=str(screenshot_dir / f"{name}-{width}-top.png"), **options)
        return path

    return _shoot
