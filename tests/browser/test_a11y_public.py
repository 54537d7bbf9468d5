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

    # On a phone: the menu collapses behind its toggle, targets stay big enough.
    page.set_viewport_size(MOBILE)
    assert_touch_targets(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{url}: {overflow}px of horizontal scrolling at 390px"
    assert_reflows(page)
