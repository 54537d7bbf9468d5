import io
import json
import re
from html import escape as html_escape

import pytest
from django.core.management import CommandError, call_command

from programs.models import ContentSeed, Highlight, Page, Program, Story, Study, Therapy, Video

pytestmark = pytest.mark.django_db

MODELS = [Program, Highlight, Therapy, Study, Story, Video, Page]


def load(path=None):
    args = ["load_program_content"] + ([f"--path={path}"] if path else [])
    call_command(*args, stdout=io.StringIO())


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_fills_a_complete_site():
    load()
    assert counts() == {
        "Program": 1,
        "Highlight": 5,
        "Therapy": 2,
        "Study": 5,
        "Story": 1,
        "Video": 2,
        "Page": 7,
    }
    program = Program.objects.get()
    assert program.institution == "Children's Hospital of Philadelphia"
    assert set(Page.objects.values_list("key", flat=True)) == set(Page.Key.values)
    # Everything shipped is valid, and published except the example studies with made-up NCT numbers.
    for model in [Therapy, Study, Story, Video, Page]:
        for obj in model.objects.all():
            made_up = model is Study and obj.nct_number.startswith("NCT0900")
            assert obj.published != made_up, obj
            obj.full_clean()


def test_running_again_creates_nothing(django_assert_max_num_queries):
    load()
    before = counts()
    # Quick on the second run: `make run` runs it every time.
    with django_assert_max_num_queries(3):
        load()
    assert counts() == before


def test_keeps_staff_edits():
    load()
    program = Program.objects.get()
    program.tagline = "Edited by staff"
    program.save()
    Highlight.objects.filter(order=1).update(text="Staff text")
    Study.objects.filter(nct_number="NCT09000001").update(title="Staff title", published=False)
    Page.objects.filter(key="families").update(body="Staff body")
    load()
    assert Program.objects.get().tagline == "Edited by staff"
    assert Highlight.objects.get(order=1).text == "Staff text"
    study = Study.objects.get(nct_number="NCT09000001")
    assert (study.title, study.published) == ("Staff title", False)
    assert Page.objects.get(key="families").body == "Staff body"


def test_deleted_rows_stay_deleted():
    load()
    Study.objects.filter(nct_number__startswith="NCT0900").delete()
    Highlight.objects.filter(order=5).delete()
    load()
    assert not Study.objects.filter(nct_number__startswith="NCT0900").exists()
    assert Highlight.objects.count() == 4


def test_a_row_staff_created_first_is_left_alone():
    Therapy.objects.create(slug="car-t-cell-therapy", title="Staff's own", summary="s", body="b", published=False)
    Program.objects.create(
        name="Staff program", institution="i", tagline="t", overview="o", guidance="g",
        contact_email="a@example.org",
    )  # fmt: skip
    load()
    therapy = Therapy.objects.get(slug="car-t-cell-therapy")
    assert (therapy.title, therapy.published) == ("Staff's own", False)
    assert Program.objects.get().name == "Staff program"
    assert Highlight.objects.count() == 0


def test_new_rows_in_the_file_are_added(tmp_path):
    load()
    from programs.management.commands.load_program_content import DEFAULT_PATH

    data = json.loads(DEFAULT_PATH.read_text())
    data["studies"].append({**data["studies"][0], "nct_number": "NCT05555555", "title": "New one"})
    path = tmp_path / "content.json"
    path.write_text(json.dumps(data))
    load(path)
    assert Study.objects.filter(nct_number="NCT05555555").exists()
    assert Study.objects.count() == 6
    assert ContentSeed.objects.filter(key="studies:NCT05555555").exists()


def test_invalid_rows_are_refused_and_nothing_is_saved(tmp_path):
    from programs.management.commands.load_program_content import DEFAULT_PATH

    data = json.loads(DEFAULT_PATH.read_text())
    data["studies"].append({**data["studies"][0], "nct_number": "NCT123", "title": "Bad"})
    path = tmp_path / "content.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"studies:NCT123 in .* is not valid: .*nct_number"):
        load(path)
    assert sum(counts().values()) == 0
    assert ContentSeed.objects.count() == 0


STAFF_NOTES = ("replace this", "placeholder", "before relying on it", "before going live")
PHONE_PLACEHOLDER_BADGE = re.compile(r'<span class="[^"]*\bphone-placeholder">[^<]*</span>')


def test_no_published_page_shows_a_note_meant_for_staff(client):
    # Notes to staff about placeholders live in programs/content/README.md and on unpublished rows only.
    load()
    urls = ["/", "/es/", "/studies/", "/therapies/", "/stories/", "/videos/"]
    for model in (Therapy, Study, Story, Video, Page):
        urls += [row.get_absolute_url() for row in model.objects.published()]
    assert len(urls) > 10
    urls += ["/es" + url for url in urls if not url.startswith("/es/")]
    # Each row's own note for staff (admin only) is on no public page, in either language.
    staff_notes = [
        row.staff_note[:60].lower()
        for model in (Program, Therapy, Study, Story, Video, Page)
        for row in model.objects.all()
        if row.staff_note
    ]
    assert len(staff_notes) > 10
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode().lower()
        # A placeholder phone line says so to the public on purpose (includes/phone_line.html).
        html = PHONE_PLACEHOLDER_BADGE.sub("", html)
        assert not [note for note in STAFF_NOTES if note in html], url
        assert not [note for note in staff_notes if html_escape(note).lower() in html], url
