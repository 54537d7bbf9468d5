"""axe-core and the checks axe leaves out, on every public content page (English; Spanish in the _es module)."""

import pytest

from .a11y import assert_no_axe_violations, assert_reflows, assert_structure, assert_text_resizes, assert_touch_targets
from .conftest import MOBILE

pytestmark = pytest.mark.browser

PAGES = [
    ("home", "/", 200),
    ("therapies", "/therapies/", 200),
    ("therapy", "/therapies/car-t-cell-therapy/", 200),
    ("studies", "/studies/", 200),
    ("study", "/studies/NCT02435849/", 200),
    ("stories", "/stories/", 200),
    ("story", "/stories/tories-car-t-story/", 200),
    ("videos", "/videos/", 200),
    ("video", "/videos/video-tour/", 200),
    ("what-to-expect-families", "/what-to-expect/families/", 200),
    ("what-to-expect-physicians", "/what-to-expect/physicians/", 200),
    ("contact", "/existing-patients/", 200),
    ("not-found", "/no-such-page/", 404),
    ("studies-bad-filter", "/studies/?status=maybe&age=abc", 400),
    ("confirmation-unknown", "/received/no-such-token/", 404),
]


@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_public_page_is_accessible_in_english(page, program_content, name, path, status):
    check_public_page(page, name, path, status, "en")


def check_public_page(page, name, path, status, language):
    """The checks for one page; the Spanish pages run from their own module so xdist can spread the load."""
    url = path if language == "en" else f"/es{path}"
    response = page.goto(url)
    assert response.status == status, url

    assert_structure(page, language)
    assert_no_axe_violations(page, name)
    assert_touch_targets(page)
    assert_text_resizes(page)

    # On a phone: the menu collapses behind its toggle, targets stay big enough, 200% text still fits.
    page.set_viewport_size(MOBILE)
    assert_touch_targets(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{url}: {overflow}px of horizontal scrolling at 390px"
    assert_text_resizes(page)
    assert_no_axe_violations(page, f"{name} at 390px")
    assert_reflows(page)


def _error_pages(language, settings):
    """The HTML of the error pages a visitor can meet, rendered by the app itself: {name: (status, html)}."""
    from django.template.loader import render_to_string
    from django.test import Client
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
    return pages


def _serve(status, html):
    # One parameter only: Playwright passes (route, request) to a handler that takes two.
    def handler(route):
        route.fulfill(status=status, body=html, content_type="text/html; charset=utf-8")

    return handler


@pytest.mark.parametrize("language", ["en", "es"])
def test_error_pages_are_accessible(page, program_content, settings, language):
    """403, 400, 413, 405, 429 and 500: served at a stand-in URL of the live server, so the site's CSS loads."""
    pages = _error_pages(language, settings)
    assert [status for status, _html in pages.values()] == [403, 400, 413, 405, 429, 500]
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
