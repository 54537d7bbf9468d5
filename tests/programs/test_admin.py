import pytest
from django.contrib import admin
from django.urls import reverse

from programs.models import ContentSeed, Highlight, Page, Program, Story, Study, Therapy, Video

pytestmark = pytest.mark.django_db

MODELS = [Program, Highlight, Therapy, Study, Story, Video, Page, ContentSeed]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_model_is_registered():
    registered = {type(site_admin).__name__ for model, site_admin in admin.site._registry.items() if model in MODELS}
    assert len(registered) == len(MODELS)


@pytest.mark.parametrize("model", MODELS)
def test_changelist_loads(staff_client, model):
    response = staff_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    response = staff_client.get(_url(model, "changelist"), {"q": "car"})
    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_change_page_loads(staff_client, model):
    obj = model.objects.order_by("pk").first()
    assert obj is not None
    response = staff_client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("model", [Highlight, Therapy, Study, Story, Video])
def test_add_page_loads(staff_client, model):
    assert staff_client.get(_url(model, "add")).status_code == 200


def test_add_page_for_program_and_pages(staff_client):
    # One program only; the shipped content already has it, so "add" is refused.
    assert staff_client.get(_url(Program, "add")).status_code == 403
    Program.objects.all().delete()
    assert staff_client.get(_url(Program, "add")).status_code == 200
    assert staff_client.get(_url(Page, "add")).status_code == 200
    # The loaded-content record is written by the command only.
    assert staff_client.get(_url(ContentSeed, "add")).status_code == 403


def test_program_change_page_shows_highlights_inline(staff_client, content):
    html = staff_client.get(_url(Program, "change", content.pk)).content.decode()
    assert "highlights-TOTAL_FORMS" in html
    assert "Maude SL" in html


def test_unpublished_items_stay_editable(staff_client):
    study = Study.objects.get(nct_number="NCT09000001")
    study.published = False
    study.save()
    response = staff_client.get(_url(Study, "change", study.pk))
    assert response.status_code == 200
    assert "NCT09000001" in response.content.decode()


def test_staff_can_edit_a_study_and_nct_is_validated(staff_client):
    study = Study.objects.get(nct_number="NCT09000001")
    data = {
        "nct_number": "NCT123",
        "title_en": "CD22-directed CAR T cells after relapse",
        "title_es": "Células CAR T dirigidas a CD22 después de una recaída",
        "status": "recruiting",
        "phase": "1",
        "published": "on",
        "minimum_age": "1 Year",
        "maximum_age": "29 Years",
        "conditions": study.conditions,
        "eligibility_summary_en": study.eligibility_summary_en,
        "eligibility_summary_es": study.eligibility_summary_es or "",
        "contact_en": study.contact_en,
        "contact_es": study.contact_es or "",
        "staff_note": "",
    }
    response = staff_client.post(_url(Study, "change", study.pk), data)
    assert response.status_code == 200
    assert "NCT followed by 8 digits" in response.content.decode() or "8 digits" in response.content.decode()
    data["nct_number"] = "NCT07654321"
    response = staff_client.post(_url(Study, "change", study.pk), data)
    assert response.status_code == 302
    study.refresh_from_db()
    assert study.nct_number == "NCT07654321"
