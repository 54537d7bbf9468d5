"""An unfilled intake form is laid out once and reused, each page with its own one-time token."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from referrals import form_html
from referrals.form_html import TOKEN_SLOT, UnfilledForm
from referrals.forms import ExistingPatientForm, ReferralForm, SecondOpinionForm, new_form_token
from referrals.models import Submission

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


# --- The whole form page, stored with slots for its tokens (core.page_cache.page_with_tokens) ----------------


@pytest.fixture
def page_renders(settings, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 3600
    from referrals.views import intake as intake_views

    renders = []
    real = intake_views.render
    monkeypatch.setattr(intake_views, "render", lambda *args, **kw: renders.append(args[1]) or real(*args, **kw))
    return renders


def _tokens(html):
    csrf = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    form = re.findall(r'name="form_token" value="([^"]+)"', html)
    return csrf, form


@pytest.mark.parametrize("url_name", list(FORMS))
def test_a_form_page_is_laid_out_once_and_each_copy_has_its_own_tokens(client, url_name, page_renders):
    responses = [client.get(reverse(f"referrals:{url_name}")) for _ in range(3)]
    assert len(page_renders) == 1
    pages = [response.content.decode() for response in responses]
    found = [_tokens(page) for page in pages]
    assert all(len(csrf) == 1 and len(form) == 1 for csrf, form in found)
    assert len({form[0] for _csrf, form in found}) == 3
    assert len({csrf[0] for csrf, _form in found}) == 3  # masked anew each time
    assert not any("slot-" in page for page in pages)
    assert all(response.cookies.get("csrftoken") for response in responses[1:])  # set on a stored page too
    assert all("no-store" in response["Cache-Control"] for response in responses)


def test_a_stored_form_page_can_be_sent(page_renders, mailoutbox):
    client = Client(enforce_csrf_checks=True)
    url = reverse("referrals:second_opinion")
    client.get(url)
    csrf, form = _tokens(client.get(url).content.decode())
    assert len(page_renders) == 1
    data = FORMS["second_opinion"](form_token=form[0], csrfmiddlewaretoken=csrf[0])
    response = client.post(url, data)
    assert response.status_code == 302
    assert Submission.objects.get().form_token == form[0]


def test_languages_offers_and_studies_are_laid_out_apart(client, page_renders):
    study = make_study()
    url = reverse("referrals:refer")  # here: a request to /es/ leaves Spanish active, and reverse() would follow
    client.get(url)
    client.get("/es" + url)
    client.get(url, HTTP_ACCEPT_LANGUAGE="es-MX")
    named = client.get(url, {"study": study.nct_number}).content.decode()
    assert len(page_renders) == 4
    assert f'value="{study.nct_number}"' in named
    client.get(url, {"study": study.nct_number})
    assert len(page_renders) == 4


def test_a_new_day_lays_the_page_out_again(client, page_renders, time_machine):
    zone = ZoneInfo("America/New_York")
    time_machine.move_to(datetime(2026, 3, 7, 12, 0, tzinfo=zone))
    client.get(reverse("referrals:second_opinion"))
    time_machine.move_to(datetime(2026, 3, 8, 0, 5, tzinfo=zone))
    assert 'max="2026-03-08"' in client.get(reverse("referrals:second_opinion")).content.decode()
    assert len(page_renders) == 2


def test_a_reader_with_a_session_gets_a_page_of_their_own(client, page_renders):
    client.get(reverse("referrals:second_opinion"))
    client.cookies["sessionid"] = "whatever"
    client.get(reverse("referrals:second_opinion"))
    assert len(page_renders) == 2
