"""Content in Spanish: every shipped row has it, pages show it, and a missing translation shows visibly."""

import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from programs.management.commands.load_program_content import DEFAULT_PATH
from programs.models import ContentSeed, Highlight, Page, Program, Story, Study, Therapy, Video
from programs.translated import missing_translation_q, translated_fields, untranslated_fields

pytestmark = pytest.mark.django_db

CONTENT_MODELS = [Program, Highlight, Therapy, Study, Story, Video, Page]
NOTE_ES = "Esta parte aún no está traducida"


def load(path=None):
    call_command("load_program_content", *([f"--path={path}"] if path else []), stdout=io.StringIO())


def test_every_shipped_row_has_spanish_for_every_text(content):
    missing = {
        f"{type(obj).__name__} {obj.pk} ({obj})": untranslated_fields(obj, "es")
        for model in CONTENT_MODELS
        for obj in model.objects.all()
        if untranslated_fields(obj, "es")
    }
    assert missing == {}
    for model in CONTENT_MODELS:
        assert not model.objects.filter(missing_translation_q(model)).exists(), model


def test_shipped_spanish_differs_from_the_english(content):
    # A copy of the English in the Spanish column would pass for a translation.
    for model in CONTENT_MODELS:
        for obj in model.objects.all():
            for field in translated_fields(model):
                english, spanish = getattr(obj, f"{field}_en"), getattr(obj, f"{field}_es")
                if english and len(english) > 40:
                    assert spanish != english, f"{model.__name__} {obj}: {field}"


def _main(html):
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_spanish_page_shows_spanish_text_marked_spanish(client, content):
    page = Page.objects.get(key=Page.Key.EXISTING_PATIENTS)
    response = client.get("/es/existing-patients/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in html
    main = _main(html)
    assert f">{page.title_es}</h1>" in main
    assert page.summary_es in main.replace("&#x27;", "'")
    # The safety guidance, in Spanish, and nothing in the main text marked as English.
    assert "fiebre" in main.lower()
    assert 'lang="en"' not in main
    assert NOTE_ES not in main


@pytest.mark.parametrize(
    "url",
    [
        "/es/",
        "/es/therapies/",
        "/es/therapies/car-t-cell-therapy/",
        "/es/studies/",
        "/es/studies/NCT01626495/",
        "/es/stories/tories-car-t-story/",
        "/es/videos/how-cancer-immunotherapy-works/",
        "/es/what-to-expect/families/",
        "/es/what-to-expect/physicians/",
        "/es/existing-patients/",
        "/es/families/costs/",
        "/es/families/travel/",
        "/es/families/interpreters/",
        "/es/families/hours/",
    ],
)
def test_shipped_spanish_pages_have_no_english_fallback(client, content, url):
    main = _main(client.get(url).content.decode())
    # Registry terms (a study's conditions) are English by nature and marked so; nothing else is.
    main = re.sub(r'<(dd|p) class="[^"]*" lang="en">[^<]*</\1>', "", main)
    assert 'lang="en"' not in main
    assert NOTE_ES not in main


def test_missing_spanish_shows_the_english_marked_and_a_note_in_spanish(client, content):
    page = Page.objects.get(key=Page.Key.EXISTING_PATIENTS)
    page.body_es = ""
    page.save()
    main = _main(client.get("/es/existing-patients/").content.decode())
    # The title and summary are translated; the body falls back to English, marked as English.
    assert f">{page.title_es}</h1>" in main
    assert '<div class="rich-text" lang="en">' in main
    first_words = page.body_en.split("\n")[0][:30].replace("'", "&#x27;")
    assert first_words in main
    assert f'<p class="untranslated-note" lang="es">{NOTE_ES}' in main
    # The English page has no note and no lang mark.
    english = _main(client.get("/existing-patients/").content.decode())
    assert "untranslated-note" not in english and 'lang="en"' not in english


def test_a_list_marks_each_untranslated_item(client, content):
    therapy, other = Therapy.objects.published()[:2]
    Therapy.objects.filter(pk=therapy.pk).update(title_es=None, summary_es="")
    main = _main(client.get("/es/therapies/").content.decode())
    with translation.override("es"):
        therapy_url, other_url = therapy.get_absolute_url(), other.get_absolute_url()
    assert f'<h2 class="h4" lang="en"><a href="{therapy_url}">{therapy.title_en}</a>' in main
    assert f'<p lang="en">{therapy.summary_en}</p>' in main.replace("&#x27;", "'")
    # The other therapy keeps its Spanish, unmarked.
    assert f'<h2 class="h4"><a href="{other_url}">{other.title_es}</a>' in main
    assert 'class="untranslated-note" lang="es">(aún sin traducir: se muestra en inglés)' in main
    assert main.count("untranslated-note") == 1


def test_admin_filter_lists_rows_missing_spanish(staff_client, content):
    page = Page.objects.get(key=Page.Key.TRAVEL)
    page.summary_es = ""
    page.save()
    Therapy.objects.update(child_friendly_es="")  # only where the English has a child-friendly text
    missing = staff_client.get("/admin/programs/page/?spanish=missing").content.decode()
    complete = staff_client.get("/admin/programs/page/?spanish=complete").content.decode()
    assert page.title_en in missing
    assert Page.objects.get(key=Page.Key.COSTS).title_en not in missing
    assert page.title_en not in complete
    assert Page.objects.get(key=Page.Key.COSTS).title_en in complete
    therapies = staff_client.get("/admin/programs/therapy/?spanish=missing").content.decode()
    with_child_text = Therapy.objects.exclude(child_friendly_en="")
    without_child_text = Therapy.objects.filter(child_friendly_en="")
    assert all(t.title_en in therapies for t in with_child_text)
    assert not any(t.title_en in therapies for t in without_child_text)


def test_admin_edits_both_languages_side_by_side(staff_client, content):
    page = Page.objects.get(key=Page.Key.HOURS)
    html = staff_client.get(f"/admin/programs/page/{page.pk}/change/").content.decode()
    for field in ["title", "summary", "body"]:
        # One line holds the English and the Spanish of each text.
        assert re.search(rf'<div class="form-row[^"]*field-{field}_en field-{field}_es', html), field
    assert "title (English)" in html.replace("Title", "title") and "(Spanish)" in html
    assert 'name="staff_note"' in html
    data = {
        "key": page.key,
        "published": "on",
        "title_en": page.title_en,
        "title_es": "Horario de la oficina",
        "summary_en": page.summary_en,
        "summary_es": page.summary_es,
        "body_en": page.body_en,
        "body_es": page.body_es,
        "staff_note": "",
    }
    response = staff_client.post(f"/admin/programs/page/{page.pk}/change/", data)
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title_es == "Horario de la oficina" and page.title_en == data["title_en"]


# --- Placeholders: what the program must supply is never shown as real ------------------------------


def test_no_placeholder_marker_in_published_shipped_content():
    from programs.placeholders import placeholder_in

    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    rows = [("program", data["program"])] + [("program highlight", h) for h in data["program"]["highlights"]]
    for section in ["therapies", "studies", "stories", "videos", "pages"]:
        rows += [(section, row) for row in data[section] if row.get("published", True)]
    found = {}
    for section, row in rows:
        for name, value in row.items():
            if name == "staff_note" or not isinstance(value, str) or name in {"contact_email", "url"}:
                continue
            marker = placeholder_in(value)
            if marker:
                found[f"{section} {row.get('slug') or row.get('key') or row.get('nct_number') or ''} {name}"] = marker
    assert found == {}


def test_placeholder_markers_are_found_and_plain_text_is_not():
    from programs.placeholders import placeholder_in

    for text in ["Stay [[number]] weeks", "TODO: hours", "Example listing: replace this", "Call 215-555-0123",
                 "write to info@example.org", "Example study: CD22"]:  # fmt: skip
        assert placeholder_in(text), text
    for text in ["Todo el equipo le ayuda.", "Fill in the form", "Stay near the hospital for several weeks."]:
        assert placeholder_in(text) is None, text


def test_a_published_row_with_a_placeholder_is_refused_and_a_draft_is_not(content):
    page = Page.objects.get(key=Page.Key.TRAVEL)
    page.body_es = "Quédese cerca del hospital [[número de semanas]] semanas."
    with pytest.raises(ValidationError) as refused:
        page.full_clean()
    assert "body_es" in refused.value.message_dict
    page.published = False
    page.full_clean()


def test_placeholder_email_is_not_shown_and_a_real_one_is(client, content):
    assert "example.org" in content.contact_email
    assert "example.org" not in client.get("/").content.decode()
    assert "example.org" not in client.get("/existing-patients/").content.decode()
    Program.objects.update(contact_email="cip@hospital.test")
    assert 'href="mailto:cip@hospital.test"' in client.get("/").content.decode()


# --- Loading the Spanish into an install that has the English already --------------------------------


def test_existing_install_gets_spanish_where_its_english_is_the_shipped_one(content):
    # An install loaded before the Spanish was shipped: English only.
    for model in CONTENT_MODELS:
        for obj in model.objects.all():
            for field in translated_fields(model):
                setattr(obj, f"{field}_es", None)
            obj.save()
    ContentSeed.objects.filter(key__startswith="translations:").delete()
    edited = Page.objects.get(key=Page.Key.FAMILIES)
    edited.body_en = "Staff rewrote this page."
    edited.save()
    staff_spanish = Page.objects.get(key=Page.Key.PHYSICIANS)
    staff_spanish.title_es = "Título escrito por el personal"
    staff_spanish.save()

    load()

    edited.refresh_from_db()
    staff_spanish.refresh_from_db()
    assert edited.body_en == "Staff rewrote this page." and not edited.body_es  # no translation of other words
    assert edited.title_es  # its title is still the shipped English, so it gets the shipped Spanish
    assert staff_spanish.title_es == "Título escrito por el personal"  # never overwritten
    assert staff_spanish.body_es
    assert all(highlight.text_es for highlight in Highlight.objects.all())
    # Once: a second run changes nothing, even what is still missing.
    edited.body_es = ""
    edited.save()
    load()
    edited.refresh_from_db()
    assert edited.body_es == ""
