"""The program's icon: answered at the addresses browsers ask for on their own, and linked from every kind of page."""

import json
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.test import RequestFactory
from django.urls import get_resolver

ICO = b"\x00\x00\x01\x00"
PNG = b"\x89PNG\r\n\x1a\n"
ICON_RELS = {"icon", "apple-touch-icon", "manifest"}


class HeadLinks(HTMLParser):
    """The href of each <link> whose rel is an icon or the web manifest, by rel."""

    def __init__(self, html):
        super().__init__()
        self.links = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") in ICON_RELS:
            self.links.append((attrs["rel"], attrs["href"]))


@pytest.fixture
def static_client(settings, client):
    """The test client with whitenoise serving static/ itself (no collectstatic in tests), as a browser sees it."""
    settings.WHITENOISE_USE_FINDERS = True
    return client


def body(response):
    return response.getvalue() if response.streaming else response.content


@pytest.mark.parametrize(
    ("path", "content_types", "magic"),
    [
        ("/favicon.ico", {"image/x-icon", "image/vnd.microsoft.icon"}, ICO),
        ("/apple-touch-icon.png", {"image/png"}, PNG),
        ("/apple-touch-icon-precomposed.png", {"image/png"}, PNG),
    ],
)
def test_icons_answer_at_the_root_without_the_database(client, path, content_types, magic):
    # No django_db mark: a query would fail the test. Browsers ask for these on every first visit.
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] in content_types
    assert body(response).startswith(magic)
    assert "max-age=" in response["Cache-Control"]


def test_favicon_ico_holds_the_small_sizes(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    data = body(response)
    count = int.from_bytes(data[4:6], "little")
    # Each ICONDIRENTRY is 16 bytes after the 6-byte header; width and height 0 mean 256.
    sizes = {(data[6 + 16 * i] or 256, data[7 + 16 * i] or 256) for i in range(count)}
    assert {(16, 16), (32, 32), (48, 48)} <= sizes


def icon_links(static_client, html):
    """Every icon the page links, fetched as a browser would; returns their rels."""
    links = HeadLinks(html).links
    for rel, href in links:
        response = static_client.get(href)
        assert response.status_code == 200, href
        data = body(response)
        if rel == "manifest":
            assert response["Content-Type"] in ("application/manifest+json", "application/json")
            icons = json.loads(data)["icons"]
            assert icons
            for icon in icons:
                icon_response = static_client.get(urljoin(href, icon["src"]))
                assert icon_response.status_code == 200, icon["src"]
                assert body(icon_response).startswith(PNG)
        else:
            assert response["Content-Type"].startswith("image/"), href
            assert data.startswith((ICO, PNG, b"<svg")), href
    return {rel for rel, _href in links}


@pytest.mark.django_db
def test_home_page_links_icons_that_answer(static_client):
    response = static_client.get("/")
    assert response.status_code == 200
    assert {"icon", "apple-touch-icon", "manifest"} <= icon_links(static_client, response.content.decode())


@pytest.mark.django_db
def test_web_manifest_is_allowed_by_the_content_security_policy(static_client):
    csp = static_client.get("/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives.get("manifest-src", directives["default-src"]) == "'self'"


@pytest.mark.django_db
def test_server_error_page_links_icons_that_answer(static_client):
    handler = get_resolver().resolve_error_handler(500)
    response = handler(RequestFactory().get("/"))
    assert response.status_code == 500
    assert {"icon", "apple-touch-icon"} <= icon_links(static_client, response.content.decode())


@pytest.mark.django_db
def test_admin_sign_in_page_links_icons_that_answer(static_client):
    response = static_client.get("/admin/login/")
    assert response.status_code == 200
    assert {"icon", "apple-touch-icon"} <= icon_links(static_client, response.content.decode())
