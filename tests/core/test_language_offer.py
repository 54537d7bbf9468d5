"""A browser that prefers Spanish is offered the Spanish pages, once, and never sent there by itself."""

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
    # In Spanish, with a button for each choice, both posting to set_language with this page as "next".
    assert "Esta página también está en español." in offer
    assert 'action="/i18n/setlang/"' in offer and 'method="post"' in offer
    assert 'name="next" type="hidden" value="/"' in offer
    assert 'name="language" value="es"' in offer and "Ver en español" in offer
    assert 'name="language" value="en"' in offer and "No, gracias" in offer
    assert "Accept-Language" in response.headers["Vary"]


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
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/therapies/"}, HTTP_ACCEPT_LANGUAGE="es-MX")
    assert response.status_code == 302
    assert response.headers["Location"] == "/therapies/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    again = client.get("/therapies/", HTTP_ACCEPT_LANGUAGE="es-MX")
    assert again.status_code == 200
    assert OFFER not in again.content.decode()


def test_accepting_opens_the_same_page_in_spanish(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/therapies/"}, HTTP_ACCEPT_LANGUAGE="es-MX")
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


def _switch_form(html):
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    return header.split('class="language-switcher', 1)[1].split("</form>", 1)[0]


@pytest.mark.parametrize(
    ("page", "target", "language"),
    [
        ("/es/therapies/", "/therapies/", "en"),  # this direction used to lead back to the Spanish page
        ("/es/studies/?status=recruiting&age=7", "/studies/?status=recruiting&amp;age=7", "en"),
        ("/es/", "/", "en"),
        ("/therapies/", "/es/therapies/", "es"),
    ],
)
def test_language_switch_opens_the_same_page_in_the_other_language(client, page, target, language):
    form = _switch_form(client.get(page).content.decode())
    assert f'name="next" type="hidden" value="{target}"' in form
    assert f'name="language" value="{language}"' in form
    response = client.post("/i18n/setlang/", {"language": language, "next": target.replace("&amp;", "&")})
    assert response.status_code == 302
    assert response.headers["Location"] == target.replace("&amp;", "&")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
