"""The phone lines (core.phones) where each audience looks: a placeholder says so and is never a tel: link,
a real number is a tel: link with no badge, in English and in Spanish; the admin warns while any is a placeholder."""

import io

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from core.phones import phone_lines
from tests.referrals.factories import existing_patient_data

pytestmark = pytest.mark.django_db

REAL = {"PHONE_MAIN": "267-426-5437", "PHONE_PHYSICIAN": "(267) 426-5438", "PHONE_AFTER_HOURS": "+1 267 426 5439"}


@pytest.fixture
def content(db):
    call_command("load_program_content", stdout=io.StringIO())


def url(language, name, *args):
    with translation.override(language):
        return reverse(name, args=args)


def shows_placeholder(html, line):
    return (
        f'<span class="phone-number">{line.number}</span>' in html
        and "phone-placeholder" in html
        and f'href="tel:{line.tel}"' not in html
    )


def shows_real(html, line):
    return (
        f'<a class="phone-number" href="tel:{line.tel}">{line.number}</a>' in html and "phone-placeholder" not in html
    )


def page(client, language, name, *args):
    response = client.get(url(language, name, *args))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    return html


# (URL name, its arguments, the lines that page must show)
PAGES = [
    ("referrals:refer", (), ["physician"]),
    ("programs:what_to_expect", ("physicians",), ["physician"]),
    ("programs:contact", (), ["after_hours", "main"]),
    ("referrals:existing_patient", (), ["after_hours"]),
    ("programs:home", (), ["main", "physician", "after_hours"]),
]
IDS = [name.split(":")[1] + "".join(f"-{a}" for a in args) for name, args, _lines in PAGES]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("name", "args", "keys"), PAGES, ids=IDS)
def test_each_page_marks_its_placeholder_lines(client, content, language, name, args, keys):
    html = page(client, language, name, *args)
    lines = phone_lines()
    for key in keys:
        line = getattr(lines, key)
        assert line.is_placeholder
        assert shows_placeholder(html, line), key


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("name", "args", "keys"), PAGES, ids=IDS)
def test_each_page_links_its_real_lines(client, content, language, name, args, keys):
    with override_settings(**REAL):
        html = page(client, language, name, *args)
        lines = phone_lines()
    for key in keys:
        line = getattr(lines, key)
        assert not line.is_placeholder
        assert shows_real(html, line), key


def test_the_physicians_line_is_for_physicians_and_the_after_hours_line_for_patients(client, content):
    families = page(client, "en", "programs:what_to_expect", "families")
    assert phone_lines().physician.number not in families
    refer = page(client, "en", "referrals:refer")
    assert phone_lines().after_hours.number not in refer


@pytest.mark.parametrize("language", ["en", "es"])
def test_existing_patient_pages_say_messages_wait_for_business_days(client, content, language):
    for name in ("referrals:existing_patient", "programs:contact"):
        html = page(client, language, name)
        with translation.override(language):
            for text in (
                "Messages are read on business days only.",
                "Fever, confusion or trouble breathing after CAR T-cell therapy? "
                "Call the after-hours line now, day or night:",
            ):
                assert translation.gettext(text) in html, (name, text)
        assert "911" in html


# --- Error pages ---------------------------------------------------------------------


def error_pages(client, language):
    """The 429, a page through error.html (404) and the 500 page, in ``language``."""
    prefix = "" if language == "en" else f"/{language}"
    with override_settings(RATELIMIT_POSTS=0):
        limited = client.post(url(language, "referrals:existing_patient"), existing_patient_data())
    missing = client.get(f"{prefix}/no-such-page/")
    with override_settings(ROOT_URLCONF="tests.core.failing_urls"):
        crashed = Client(raise_request_exception=False).get(f"{prefix}/broken/")
    pages = {429: limited, 404: missing, 500: crashed}
    for status, response in pages.items():
        assert response.status_code == status
        assert f'<html lang="{language}">' in response.content.decode()
    return {status: response.content.decode() for status, response in pages.items()}


@pytest.mark.parametrize("language", ["en", "es"])
def test_error_pages_show_the_main_line_as_a_placeholder(client, language):
    main = phone_lines().main
    for status, html in error_pages(client, language).items():
        assert shows_placeholder(html, main), status


@pytest.mark.parametrize("language", ["en", "es"])
@override_settings(**REAL)
def test_error_pages_link_the_real_main_line(client, language):
    main = phone_lines().main
    for status, html in error_pages(client, language).items():
        assert shows_real(html, main), status


# --- The coordinators' admin ----------------------------------------------------------


def test_admin_names_each_placeholder_line_and_its_setting(coordinator_client):
    html = coordinator_client.get(reverse("admin:index")).content.decode()
    assert html.count('<li class="warning">') >= 3
    for line in phone_lines():
        assert line.setting in html and line.number in html
    assert " style=" not in html.split('class="messagelist phone-placeholder-warning"')[1].split("</ul>")[0]


@override_settings(PHONE_MAIN="267-426-5437", PHONE_AFTER_HOURS="267-426-5439")
def test_admin_names_only_the_lines_still_placeholders(coordinator_client):
    html = coordinator_client.get(reverse("admin:referrals_submission_changelist")).content.decode()
    assert "phone-placeholder-warning" in html
    assert "PHONE_PHYSICIAN" in html
    assert "PHONE_MAIN" not in html and "PHONE_AFTER_HOURS" not in html


@override_settings(**REAL)
def test_admin_has_no_warning_with_real_numbers(coordinator_client):
    for name in ("admin:index", "admin:referrals_submission_changelist"):
        html = coordinator_client.get(reverse(name)).content.decode()
        assert "phone-placeholder-warning" not in html
        assert "PHONE_MAIN" not in html


def test_admin_sign_in_page_tells_strangers_nothing(client):
    html = client.get(reverse("admin:login")).content.decode()
    assert "phone-placeholder-warning" not in html
    assert "PHONE_MAIN" not in html
