"""axe-core and the checks axe leaves out, on every public content page (English; Spanish in the _es module)."""

import pytest

from .a11y import assert_no_axe_violations, assert_reflows, assert_structure, assert_text_resizes, assert_touch_targets
from .helpers import MOBILE, PAGES, check_public_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_public_page_is_accessible_in_english(page, program_content, name, path, status):
    check_public_page(page, name, path, status, "en")


def _error_pages(language, settings):
    """The HTML of the error pages a visitor can meet, rendered by the app itself: {name: (status, html)}."""
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory
    from django.utils import translation

    prefix = "" if language == "en" else "/es"
    # A request to /es/ leaves Spanish active in this thread; override() puts the previous language back.
    with translation.override(language):
        responses = {
            "forbidden-csrf": Client(enforce_csrf_checks=True).post(f"{prefix}/refer/", {}),  # form left open
            "bad-request": Client().generic("POST", f"{prefix}/refer/", b"x", CONTENT_LENGTH="abc"),
            "too-big": Client().generic("POST", f"{prefix}/refer/", b"x", CONTENT_LENGTH=str(10**12)),
            "method-not-allowed": Client().put(f"{prefix}/refer/"),
        }
        settings.RATELIMIT_POSTS = 0
        responses["rate-limited"] = Client().post(f"{prefix}/existing-patients/message/", {})
        pages = {name: (response.status_code, response.content) for name, response in responses.items()}
        pages["server-error"] = (500, render_to_string("500.html", {"program_phone": "215-555-0100"}).encode())
        # The outage page as the handler serves it (a view raising the database's OperationalError).
        from core.views import service_unavailable

        request = RequestFactory().get(f"{prefix}/")
        request.LANGUAGE_CODE = language
        pages["unavailable"] = (503, service_unavailable(request).content)
    return pages


def _serve(status, html):
    # One parameter only: Playwright passes (route, request) to a handler that takes two.
    def handler(route):
        route.fulfill(status=status, body=html, content_type="text/html; charset=utf-8")

    return handler


@pytest.mark.parametrize("language", ["en", "es"])
def test_error_pages_are_accessible(page, program_content, settings, language):
    """403, 400, 413, 405, 429, 500 and 503: served at a stand-in URL of the live server, so the site's CSS loads."""
    pages = _error_pages(language, settings)
    assert [status for status, _html in pages.values()] == [403, 400, 413, 405, 429, 500, 503]
    for name, (status, html) in pages.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        page.route("**/error-preview/", _serve(status, html))
        page.goto("/error-preview/")
        assert_structure(page, language)
        assert_no_axe_violations(page, f"{name} ({language})")
        assert_touch_targets(page)
        assert_text_resizes(page)
        page.set_viewport_size(MOBILE)
        assert_text_resizes(page)
        assert_reflows(page)
        page.unroute("**/error-preview/")
