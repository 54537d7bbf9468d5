"""The families' forms and their confirmation pages read plainly: US grade 8 or below in English
(Flesch-Kincaid), 70 or above in Spanish (Fernández Huerta), measured on what ``<main>`` shows."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from programs.readability import ENGLISH_MAX_GRADE, SPANISH_MIN_EASE, english_grade, html_text, spanish_ease

from .factories import existing_patient_data, second_opinion_data

pytestmark = pytest.mark.django_db

MAIN = re.compile(r"<main\b[^>]*>(.*)</main>", re.DOTALL)
# The reference number is random, and textstat rounds syllables per word to one decimal: one reference can
# read a grade above another. Every page is measured with the same (made-up) reference.
REFERENCE = re.compile(r"CIP-[0-9A-Z]{4}-[0-9A-Z]{4}")

# Page name (as the failure message says it) -> URL name of the form, and its data builder.
FAMILY_FORMS = {
    "second-opinion": ("referrals:second_opinion", second_opinion_data),
    "existing-patient message": ("referrals:existing_patient", existing_patient_data),
}
LANGUAGES = ("en", "es")


def main_text(response):
    assert response.status_code == 200
    match = MAIN.search(response.content.decode())
    assert match, "the page has no <main>"
    return html_text(REFERENCE.sub("CIP-7KQ2-9XHD", match.group(1)))


def form_page(client, url_name, _data, language):
    with translation.override(language):
        path = reverse(url_name)
    return client.get(path)


def form_with_errors(client, url_name, _data, language):
    """The form sent back empty: the error summary and each field's message show too."""
    with translation.override(language):
        path = reverse(url_name)
    response = client.post(path, {})
    assert b"error-summary" in response.content
    return response


def confirmation_page(client, url_name, data, language):
    with translation.override(language):
        path = reverse(url_name)
    response = client.post(path, data(), follow=True)
    assert response.redirect_chain, "the form was not accepted"
    assert response.resolver_match.view_name == "referrals:confirmation"
    return response


PAGES = [
    pytest.param(
        f"{name} {page} ({language})", fetch, url_name, data, language, id=f"{name}-{page}-{language}".replace(" ", "-")
    )
    for name, (url_name, data) in FAMILY_FORMS.items()
    for page, fetch in (
        ("form", form_page),
        ("form with errors", form_with_errors),
        ("confirmation", confirmation_page),
    )
    for language in LANGUAGES
]


@pytest.mark.parametrize(("page", "fetch", "url_name", "data", "language"), PAGES)
def test_family_page_reads_plainly(client, page, fetch, url_name, data, language):
    text = main_text(fetch(client, url_name, data, language))
    if language == "es":
        ease = spanish_ease(text)
        assert ease >= SPANISH_MIN_EASE, (
            f"{page} reads at Fernández Huerta {ease:.1f}; target >= {SPANISH_MIN_EASE:g}\n\n{text}"
        )
    else:
        grade = english_grade(text)
        assert grade <= ENGLISH_MAX_GRADE, (
            f"{page} reads at Flesch-Kincaid grade {grade:.1f}; target <= {ENGLISH_MAX_GRADE:g}\n\n{text}"
        )


@pytest.mark.parametrize(
    ("language", "label", "help_text"),
    [
        ("en", "I would like a free interpreter", "Interpreters are free."),
        ("es", "Quiero un intérprete gratis", "Los intérpretes son gratis."),
    ],
)
def test_interpreter_box_says_interpreters_are_free(client, language, label, help_text):
    html = form_page(client, "referrals:second_opinion", None, language).content.decode()
    assert label in html
    assert help_text in html


@pytest.mark.parametrize("name", FAMILY_FORMS)
def test_family_confirmation_links_to_the_family_pages(client, name):
    url_name, data = FAMILY_FORMS[name]
    html = confirmation_page(client, url_name, data, "en").content.decode()
    for key in ("costs", "travel", "interpreters", "hours"):
        assert f'href="{reverse("programs:family_page", args=[key])}"' in html
