"""A browser that prefers Spanish is offered the Spanish pages, once, and never sent there by itself."""

import html
import re
from urllib.parse import quote

import pytest
from django.conf import settings

from core.language_offer import preferred_language

pytestmark = pytest.mark.django_db

OFFER = 'class="language-offer"'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,es;q=0.5", "es"),  # the first language the site has
        ("en;q=0.2,es;q=0.8", "es"),  # by quality, not by order
        ("de-DE", None),
        ("*", None),
        ("", None),
        ("es-419", "es"),
        ("garbage;;;q=x", None),
    ],
)
def test_preferred_language(header, expected):
    assert preferred_language(header) == expected


def test_spanish_browser_on_an_english_page_gets_the_offer_and_the_english_page(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.8")
    html = response.content.decode()
    assert response.status_code == 200  # never a redirect
    assert '<html lang="en">' in html
    assert OFFER in html
    offer = html.split(OFFER, 1)[1].split("</section>", 1)[0]
    assert offer.startswith(' lang="es"')
    # In Spanish, with a link for each choice, both to choose_language with the page to open as "next".
    assert "Esta página también está en español." in offer
    assert '<a href="/language/es/?next=/es/"' in offer and "Ver en español" in offer
    assert '<a href="/language/en/?next=/"' in offer and "No, gracias" in offer
    assert "<form" not in offer  # no CSRF token, so no cookie: the page can be cached
    assert "Accept-Language" in response.headers["Vary"]
    assert not response.cookies


@pytest.mark.parametrize("path", ["/second-opinion/", "/therapies/", "/status/"])
def test_offer_shows_on_any_english_page(client, path):
    assert OFFER in client.get(path, HTTP_ACCEPT_LANGUAGE="es-MX").content.decode()


def test_no_offer_for_an_english_browser_or_on_a_spanish_page(client):
    assert OFFER not in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert OFFER not in client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()
    assert OFFER not in client.get("/").content.decode()
    assert OFFER not in client.get("/es/", HTTP_ACCEPT_LANGUAGE="es-MX").content.decode()
    # A Spanish page never offers English: a family whose phone is set to English chose the Spanish page.
    assert OFFER not in client.get("/es/therapies/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()


def test_dismissing_keeps_the_english_page_and_the_offer_stays_away(client):
    response = client.get("/language/en/", {"next": "/therapies/"}, HTTP_ACCEPT_LANGUAGE="es-MX")
    assert response.status_code == 302
    assert response.headers["Location"] == "/therapies/"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    again = client.get("/therapies/", HTTP_ACCEPT_LANGUAGE="es-MX")
    assert again.status_code == 200
    assert OFFER not in again.content.decode()


def test_accepting_opens_the_same_page_in_spanish(client):
    response = client.get("/language/es/", {"next": "/es/therapies/"}, HTTP_ACCEPT_LANGUAGE="es-MX")
    assert response.status_code == 302
    assert response.headers["Location"] == "/es/therapies/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    # Back on an English address by a shared link: English as asked, and no offer again.
    html = client.get("/therapies/", HTTP_ACCEPT_LANGUAGE="es-MX").content.decode()
    assert '<html lang="en">' in html and OFFER not in html


def test_language_switch_sits_outside_the_collapsed_menu(client):
    html = client.get("/").content.decode()
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    menu = header.split('id="site-nav"', 1)[1]
    assert 'class="language-switcher' in header
    assert 'class="language-switcher' not in menu


def _switch(html):
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    return header.split('class="language-switcher', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize(
    ("page", "target", "language"),
    [
        ("/es/therapies/", "/therapies/", "en"),  # this direction used to lead back to the Spanish page
        ("/es/studies/?status=recruiting&age=7", "/studies/?status=recruiting&age=7", "en"),
        ("/es/", "/", "en"),
        ("/therapies/", "/es/therapies/", "es"),
    ],
)
def test_language_switch_opens_the_same_page_in_the_other_language(client, page, target, language):
    page_response = client.get(page)
    assert not page_response.cookies and "<form" not in _switch(page_response.content.decode())
    link = re.search(r'<a href="([^"]+)" hreflang="(\w+)"', _switch(page_response.content.decode()))
    assert link.group(2) == language
    address = html.unescape(link.group(1))
    assert address == f"/language/{language}/?next={quote(target)}"
    response = client.get(address)
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


@pytest.mark.parametrize("next_page", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""])
def test_choosing_a_language_never_leaves_the_site(client, next_page):
    response = client.get("/language/es/", {"next": next_page})
    assert response.status_code == 302
    assert response.headers["Location"] == "/es/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_choosing_a_language_the_site_lacks_is_not_found(client):
    response = client.get("/language/fr/", {"next": "/"})
    assert response.status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_choosing_a_language_is_a_link_not_a_post(client):
    assert client.post("/language/es/", {"next": "/"}).status_code == 405
