"""An unfilled intake form is laid out once and reused, each page with its own one-time token."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from referrals import form_html
from referrals.form_html import TOKEN_SLOT, UnfilledForm
from referrals.forms import ExistingPatientForm, ReferralForm, SecondOpinionForm, new_form_token

from .factories import FORMS
from .test_prescreen import make_study

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_stored_layouts():
    form_html.forget()
    yield
    form_html.forget()


def _crispy(form):
    return Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("form_class", [ReferralForm, SecondOpinionForm, ExistingPatientForm])
@pytest.mark.parametrize("initial", [{}, {"study_nct": "NCT01234567"}])
def test_the_stored_layout_is_what_crispy_renders_for_the_form(language, form_class, initial):
    with translation.override(language):
        unfilled = UnfilledForm(form_class, {"form_token": new_form_token(), **initial})
        expected = _crispy(unfilled.build())
        assert form_html.form_html(unfilled) == expected  # laid out now
        assert form_html.form_html(unfilled) == expected  # and from the stored layout


@pytest.mark.parametrize("url_name", list(FORMS))
def test_each_page_gets_its_own_token_in_the_stored_layout(client, url_name, monkeypatch):
    renders = []
    real = form_html.render_crispy_form
    monkeypatch.setattr(form_html, "render_crispy_form", lambda form: renders.append(form) or real(form))
    pages = [client.get(reverse(f"referrals:{url_name}")).content.decode() for _ in range(3)]
    assert len(renders) == 1  # laid out once for three pages
    tokens = [re.findall(r'name="form_token" value="([^"]+)"', page) for page in pages]
    assert all(len(found) == 1 for found in tokens)
    assert len({found[0] for found in tokens}) == 3
    assert not any(TOKEN_SLOT in page for page in pages)
    # Apart from the tokens, the pages are the same.
    assert len({re.sub(r'value="[A-Za-z0-9_-]{43,64}"', "", page) for page in pages}) == 1


def test_english_and_spanish_are_laid_out_separately(client):
    english = client.get(reverse("referrals:second_opinion")).content.decode()
    spanish = client.get("/es" + reverse("referrals:second_opinion")).content.decode()
    assert "Patient" in english or "patient" in english
    assert '<html lang="es">' in spanish and "paciente" in spanish.lower()


def test_a_study_named_in_the_address_gets_its_own_layout(client):
    recruiting_study = make_study()
    plain = client.get(reverse("referrals:refer")).content.decode()
    named = client.get(reverse("referrals:refer"), {"study": recruiting_study.nct_number}).content.decode()
    assert f'value="{recruiting_study.nct_number}"' in named
    assert f'value="{recruiting_study.nct_number}"' not in plain


def test_the_date_of_birth_picker_follows_the_day(client, time_machine):
    zone = ZoneInfo("America/New_York")
    time_machine.move_to(datetime(2026, 3, 7, 12, 0, tzinfo=zone))
    assert 'max="2026-03-07"' in client.get(reverse("referrals:second_opinion")).content.decode()
    time_machine.move_to(datetime(2026, 3, 8, 12, 0, tzinfo=zone))
    assert 'max="2026-03-08"' in client.get(reverse("referrals:second_opinion")).content.decode()


def test_a_form_with_answers_shows_them_and_is_never_stored(client):
    data = FORMS["second_opinion"](patient_name="")
    response = client.post(reverse("referrals:second_opinion"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert data["contact_name"] in html  # the answers given, back in the form
    assert data["contact_name"] not in client.get(reverse("referrals:second_opinion")).content.decode()
