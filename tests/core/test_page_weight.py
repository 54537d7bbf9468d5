"""What a family's phone downloads for a page: every file a page links exists, the CSS stays small, and the
only JavaScript is the site's own few lines.

Bootstrap's CSS is a build of just the parts the templates use (scripts/css/bootstrap.scss, built by
scripts/build_css.sh), and its 80 KB JavaScript bundle is gone: static/js/nav.js opens the phone menu.
Lighthouse itself is too slow for the suite: ``python -m scripts.lighthouse`` measures the scores.
"""

import gzip
import io
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

# The CSS a page needs before it can paint (print.css waits for printing): under these, compressed the way
# whitenoise serves them, a slow phone connection paints the first screen in about a second.
BOOTSTRAP_CSS = "vendor/bootstrap/bootstrap.min.css"
BOOTSTRAP_CSS_BUDGET = 14_000  # bytes, gzip; Bootstrap's full build was 31,000
PAGE_CSS_BUDGET = 17_000  # bytes, gzip, every render-blocking stylesheet of one page
PAGE_JS_BUDGET = 2_000  # bytes, gzip, every script of one page

# The JavaScript a page may load: the menu button everywhere; the forms' and status page's own helpers.
SITE_SCRIPTS = {"js/nav.js"}
PAGE_SCRIPTS = {
    "/refer/": {"js/intake.js"},
    "/request-a-visit/": {"js/intake.js"},
    "/existing-patients/message/": {"js/intake.js"},
    "/status/": {"js/status.js"},
}

PAGES = [
    "/",
    "/therapies/",
    "/therapies/car-t-cell-therapy/",
    "/studies/",
    "/studies/NCT02435849/",
    "/stories/",
    "/stories/tories-car-t-story/",
    "/videos/",
    "/videos/video-tour/",
    "/what-to-expect/families/",
    "/what-to-expect/physicians/",
    "/existing-patients/",
    "/families/costs/",
    "/families/travel/",
    "/families/interpreters/",
    "/families/hours/",
    "/refer/",
    "/request-a-visit/",
    "/existing-patients/message/",
    "/status/",
    "/no-such-page/",
]

# Class names in Bootstrap's vocabulary (components, utilities, states). One of these on a page that no
# stylesheet of the page defines means the trimmed build lacks it: add it to scripts/css/bootstrap.scss.
BOOTSTRAP_LIKE = re.compile(
    r"^(?:btn|form|col|row|container|navbar|nav|card|alert|badge|text|bg|link|list|table|input-group|dropdown"
    r"|modal|accordion|breadcrumb|pagination|progress|spinner|toast|tooltip|popover|offcanvas|placeholder|ratio"
    r"|vstack|hstack|visually|display|lead|small|initialism|blockquote|figure|img|shadow|rounded|border|opacity"
    r"|overflow|position|top|bottom|start|end|w|h|mw|mh|vw|vh|min-vw|min-vh|flex|justify-content|align-items"
    r"|align-content|align-self|order|d|m|mt|mb|ms|me|mx|my|p|pt|pb|ps|pe|px|py|g|gx|gy|gap|row-gap|column-gap"
    r"|fs|fw|fst|lh|font|z|float|clearfix|object-fit|is|was|valid|invalid|collapse|collapsing|show|fade|active"
    r"|disabled|h[1-6]|focus-ring|icon-link|stretched-link|text-truncate|vr)(?:-|$)"
)


class Assets(HTMLParser):
    """The stylesheets, scripts and other static files a page links, and every class it uses."""

    def __init__(self, html):
        super().__init__()
        self.stylesheets, self.print_stylesheets, self.scripts, self.other = [], [], [], []
        self.classes = set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.classes.update((attrs.get("class") or "").split())
        if tag == "link" and attrs.get("rel") == "stylesheet":
            blocking = attrs.get("media", "all") in ("all", "screen")
            (self.stylesheets if blocking else self.print_stylesheets).append(attrs["href"])
        elif tag == "link" and attrs.get("href"):
            self.other.append(attrs["href"])
        elif tag == "script":
            assert attrs.get("src"), "an inline script (the Content-Security-Policy refuses it)"
            self.scripts.append(attrs["src"])
        elif tag == "img" and attrs.get("src"):
            self.other.append(attrs["src"])


@pytest.fixture
def static_client(settings, client):
    """The test client with whitenoise serving static/ itself (no collectstatic in tests), as a browser sees it."""
    settings.WHITENOISE_USE_FINDERS = True
    return client


@pytest.fixture
def content(db):
    call_command("load_program_content", stdout=io.StringIO())


def body(response):
    return response.getvalue() if response.streaming else response.content


def static_name(url):
    path = urlsplit(url).path
    assert path.startswith("/static/"), url
    return path.removeprefix("/static/")


def fetch(static_client, url):
    response = static_client.get(url)
    assert response.status_code == 200, url
    return body(response)


def gzipped_size(data):
    return len(gzip.compress(data, compresslevel=9))


def defined_classes(css):
    return set(re.findall(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)", css))


@pytest.mark.parametrize("language", ["", "/es"])
def test_pages_link_only_files_that_exist_within_budget(static_client, content, language):
    for page in PAGES:
        response = static_client.get(language + page)
        assert response.status_code in (200, 404), page
        assets = Assets(response.content.decode())

        css = b"".join(fetch(static_client, url) for url in assets.stylesheets)
        for url in assets.print_stylesheets + assets.other:
            fetch(static_client, url)
        assert gzipped_size(css) <= PAGE_CSS_BUDGET, page

        scripts = {static_name(url) for url in assets.scripts}
        assert scripts == SITE_SCRIPTS | PAGE_SCRIPTS.get(page, set()), page
        js = b"".join(fetch(static_client, url) for url in assets.scripts)
        assert gzipped_size(js) <= PAGE_JS_BUDGET, page

        missing = {name for name in assets.classes if BOOTSTRAP_LIKE.match(name)} - defined_classes(css.decode())
        assert not missing, f"{language + page} uses classes no stylesheet of it defines: {sorted(missing)}"


def test_trimmed_bootstrap_stays_small_and_keeps_its_license():
    css = open(finders.find(BOOTSTRAP_CSS), "rb").read()
    assert gzipped_size(css) <= BOOTSTRAP_CSS_BUDGET
    assert b"Licensed under MIT (https://github.com/twbs/bootstrap/blob/main/LICENSE)" in css[:400]
    # No source map comment: the map would describe Bootstrap's full build, not this one.
    assert b"sourceMappingURL" not in css


def test_no_page_loads_bootstrap_javascript():
    assert finders.find("vendor/bootstrap/bootstrap.bundle.min.js") is None


def test_menu_button_names_the_menu_it_opens(client, content):
    html = client.get("/").content.decode()
    button = re.search(r"<button[^>]*navbar-toggler[^>]*>", html).group(0)
    assert 'aria-controls="site-nav"' in button
    assert 'aria-expanded="false"' in button
    assert 'id="site-nav"' in html
