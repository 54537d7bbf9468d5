"""Importing studies from ClinicalTrials.gov JSON: the service, `manage.py import_studies` and the admin upload."""

import copy
import datetime
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from programs.models import Study
from programs.registry import IMPORTED_FIELDS, import_studies

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "registry"
IMPORT_URL = "admin:programs_study_import"
CHANGELIST_URL = "admin:programs_study_changelist"


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def run(*files):
    """Import fixture names or ``(name, data)`` pairs; return the summary."""
    pairs = [(item, (FIXTURES / item).read_bytes()) if isinstance(item, str) else item for item in files]
    return import_studies(files=pairs)


def as_file(name, content):
    return (name, json.dumps(content).encode())


def changed_eliana(**eligibility):
    data = fixture("eliana.json")
    data["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2024-06-30"
    data["protocolSection"]["eligibilityModule"].update(eligibility)
    return data


# Each file shape, every field mapped.


def test_a_single_study_object_creates_an_unpublished_study():
    summary = run("eliana.json")

    assert (summary.created, summary.updated, summary.unchanged, summary.errors) == (["NCT02435849"], [], [], {})
    study = Study.objects.get(nct_number="NCT02435849")
    assert study.title_en == "Study of Efficacy and Safety of CTL019 in Pediatric ALL Patients"
    assert not study.title_es
    assert study.published is False
    assert (study.status, study.phase) == (Study.Status.COMPLETED, Study.Phase.PHASE_2)
    assert (study.minimum_age, study.maximum_age) == ("3 Years", "21 Years")
    assert (study.min_age_months, study.max_age_months) == (36, 21 * 12 + 11)
    assert study.conditions == "B-cell Acute Lymphoblastic Leukemia"
    assert study.keywords == "CTL019\ntisagenlecleucel\nrelapsed\nrefractory"
    assert study.eligibility_criteria.startswith("Inclusion Criteria:\n\n* Relapsed or refractory")
    assert study.locations_count == 2
    assert study.central_contacts == []
    assert study.registry_updated_on == datetime.date(2023, 1, 10)
    assert study.target_antigens == "CD19"
    assert (study.eligibility_summary_en or "", study.contact_en or "") == ("", "")
    # What was imported, JSON-safe, so the next import can tell staff edits apart.
    assert set(study.imported_values) == set(IMPORTED_FIELDS)
    assert study.imported_values["registry_updated_on"] == "2023-01-10"
    assert study.imported_values["minimum_age"] == "3 Years"


def test_a_list_of_studies():
    summary = run("cd19_list.json")

    assert summary.created == ["NCT01626495", "NCT02228096"]
    pilot = Study.objects.get(nct_number="NCT01626495")
    assert pilot.phase == Study.Phase.PHASE_1_2
    assert (pilot.minimum_age, pilot.maximum_age, pilot.min_age_months) == ("1 Year", "24 Years", 12)
    assert pilot.registry_updated_on == datetime.date(2023, 5, 1)  # a month alone: its first day
    assert pilot.conditions == "B-cell Acute Lymphoblastic Leukemia, B-cell Lymphoma"
    assert pilot.locations_count == 1
    assert pilot.target_antigens == "CD19"  # "anti-CD19" in the title and the intervention
    ensign = Study.objects.get(nct_number="NCT02228096")
    assert ensign.target_antigens == "CD19"  # the product name alone (CTL019)
    assert ensign.locations_count is None  # the registry lists none


def test_a_page_of_results_with_every_age_unit_and_an_expanded_access_record():
    summary = run("page.json")

    assert summary.created == ["NCT99990001", "NCT99990002", "NCT99990003", "NCT99990004"]
    assert list(summary.skipped) == ["NCT99990009"]
    assert "expanded access (AVAILABLE)" in summary.skipped["NCT99990009"]
    assert not Study.objects.filter(nct_number="NCT99990009").exists()
    rows = {row.nct_number: row for row in Study.objects.all()}

    bispecific = rows["NCT99990001"]
    assert (bispecific.status, bispecific.phase) == (Study.Status.RECRUITING, Study.Phase.EARLY_PHASE_1)
    assert (bispecific.minimum_age, bispecific.min_age_months) == ("6 Months", 6)
    assert bispecific.target_antigens == "CD19, CD22"
    # Name, role, phone and email only (no phoneExt).
    assert bispecific.central_contacts == [
        {"name": "Study Coordinator", "role": "CONTACT", "phone": "215-555-0100", "email": "study@example.org"}
    ]

    no_maximum = rows["NCT99990002"]
    assert (no_maximum.status, no_maximum.phase) == (Study.Status.NOT_YET_RECRUITING, Study.Phase.PHASE_2_3)
    assert (no_maximum.minimum_age, no_maximum.maximum_age) == ("28 Days", "")
    assert (no_maximum.min_age_months, no_maximum.max_age_months) == (0, None)
    assert Study.objects.for_age(90).filter(nct_number="NCT99990002").exists()
    # Too many conditions for 300 characters: the terms that fit, whole, and a note of the rest.
    assert len(no_maximum.conditions) == 300
    assert no_maximum.conditions.endswith("Primary Mediastinal B-cell Lymphoma, Relapsed or Refractory")
    assert "Burkitt" not in no_maximum.conditions
    assert "Burkitt Lymphoma" in summary.files[0].notes["NCT99990002"][0]
    assert no_maximum.registry_updated_on is None

    infants = rows["NCT99990003"]
    assert infants.title_en == "Follow-up of Infants Treated With CAR T Cells (synthetic test record)"  # official
    assert (infants.status, infants.phase) == (Study.Status.ENROLLING_BY_INVITATION, Study.Phase.PHASE_4)
    assert (infants.minimum_age, infants.maximum_age) == ("6 Weeks", "18 Months")
    assert (infants.min_age_months, infants.max_age_months) == (1, 18)
    assert infants.target_antigens == ""

    observational = rows["NCT99990004"]
    assert (observational.status, observational.phase) == (Study.Status.UNKNOWN, Study.Phase.NOT_APPLICABLE)
    assert (observational.minimum_age, observational.maximum_age) == ("0 Years", "25 Years")


# Updates: the registry's changes arrive, staff edits stay.


def test_importing_the_same_file_again_changes_nothing():
    run("eliana.json")
    before = Study.objects.values().get(nct_number="NCT02435849")
    summary = run("eliana.json")
    assert (summary.created, summary.updated, summary.unchanged, summary.kept) == ([], [], ["NCT02435849"], {})
    assert Study.objects.values().get(nct_number="NCT02435849") == before


def test_update_keeps_and_reports_staff_edits_and_takes_the_rest():
    run("eliana.json")
    study = Study.objects.get(nct_number="NCT02435849")
    study.minimum_age = "4 Years"  # staff edit
    study.title_es = "Estudio de CTL019 en niños"
    study.eligibility_summary = "Children with B-ALL that came back."
    study.save()

    data = changed_eliana(minimumAge="2 Years", maximumAge="25 Years")
    data["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    data["protocolSection"]["identificationModule"]["briefTitle"] = "Efficacy and Safety of CTL019 in Children"
    summary = run(as_file("eliana-2024.json", data))

    assert (summary.updated, summary.kept) == (["NCT02435849"], {"NCT02435849": ["minimum age"]})
    study.refresh_from_db()
    assert study.minimum_age == "4 Years"
    assert study.min_age_months == 48
    assert (study.maximum_age, study.max_age_months) == ("25 Years", 25 * 12 + 11)
    assert study.status == Study.Status.TERMINATED
    assert study.title_en == "Efficacy and Safety of CTL019 in Children"  # never edited: follows the registry
    assert study.title_es == "Estudio de CTL019 en niños"
    assert study.eligibility_summary_en == "Children with B-ALL that came back."
    assert study.registry_updated_on == datetime.date(2024, 6, 30)
    assert study.imported_values["minimum_age"] == "2 Years"  # the registry's, so the edit stays told apart

    # The edit is still kept (and reported) next time; nothing else changes.
    again = run(as_file("eliana-2024.json", data))
    assert (again.updated, again.unchanged, again.kept) == ([], ["NCT02435849"], {"NCT02435849": ["minimum age"]})


def test_a_staff_edit_the_registry_later_agrees_with_is_not_reported():
    run("eliana.json")
    Study.objects.filter(nct_number="NCT02435849").update(maximum_age="25 Years")
    summary = run(as_file("eliana.json", changed_eliana(maximumAge="25 Years")))
    assert summary.kept == {}
    assert Study.objects.get(nct_number="NCT02435849").imported_values["maximum_age"] == "25 Years"


def test_a_form_save_of_the_same_text_is_not_an_edit():
    run("eliana.json")
    study = Study.objects.get(nct_number="NCT02435849")
    # What a browser sends back from a textarea: \r\n line ends.
    study.eligibility_criteria = study.eligibility_criteria.replace("\n", "\r\n") + "\r\n"
    study.save()
    summary = run(as_file("eliana.json", changed_eliana(eligibilityCriteria="Inclusion Criteria:\n\n* New")))
    assert summary.kept == {}
    study.refresh_from_db()
    assert study.eligibility_criteria == "Inclusion Criteria:\n\n* New"


def test_shipped_studies_keep_their_plain_language_titles(content):
    shipped = Study.objects.get(nct_number="NCT02435849")
    summary = run("eliana.json", "cd19_list.json")

    assert summary.updated == ["NCT02435849", "NCT01626495"]
    assert summary.created == ["NCT02228096"]
    assert summary.kept == {"NCT02435849": ["title (English)"], "NCT01626495": ["title (English)"]}
    study = Study.objects.get(nct_number="NCT02435849")
    assert (study.title_en, study.title_es) == (shipped.title_en, shipped.title_es)
    assert study.eligibility_summary_es == shipped.eligibility_summary_es
    assert study.published is True
    # Fields never imported before take the registry's values.
    assert study.conditions == "B-cell Acute Lymphoblastic Leukemia"
    assert (study.target_antigens, study.keywords.splitlines()[0]) == ("CD19", "CTL019")
    assert study.imported_values["title_en"] == "Study of Efficacy and Safety of CTL019 in Pediatric ALL Patients"
    assert Study.objects.get(nct_number="NCT02228096").published is False


# Malformed files: refused whole, naming the file and the field; the other files still import.


@pytest.mark.parametrize(
    ("name", "message", "valid"),
    [
        ("bad_json.json", "bad_json.json: not valid JSON (line 13, column 1: ", "NCT99990011"),
        (
            "bad_age.json",
            "bad_age.json: study 2 (NCT99990014): protocolSection.eligibilityModule.minimumAge: "
            "“eighteen” is not an age limit.",
            "NCT99990013",
        ),
        (
            "missing_nct.json",
            "missing_nct.json: study 2: protocolSection.identificationModule.nctId: missing.",
            "NCT99990015",
        ),
    ],
)
def test_a_malformed_file_imports_nothing_and_the_others_still_import(name, message, valid):
    summary = run(name, "eliana.json")

    assert list(summary.errors) == [name]
    assert summary.errors[name][0].startswith(message)
    assert not Study.objects.filter(nct_number=valid).exists()
    assert summary.created == ["NCT02435849"]


def valid_study_with(change):
    data = copy.deepcopy(fixture("bad_age.json")[0])
    change(data["protocolSection"])
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda p: p.update(conditionsModule={"conditions": "B-ALL"}),
            "study 1 (NCT99990013): protocolSection.conditionsModule.conditions: expected a list.",
        ),
        (
            lambda p: p.update(eligibilityModule=["1 Year"]),
            "study 1 (NCT99990013): protocolSection.eligibilityModule: expected an object.",
        ),
        (
            lambda p: p["designModule"].update(phases=["PHASE5"]),
            "study 1 (NCT99990013): protocolSection.designModule.phases: “PHASE5” is not one of:",
        ),
        (
            lambda p: p["statusModule"].update(overallStatus="ON_HOLD"),
            "study 1 (NCT99990013): protocolSection.statusModule.overallStatus: “ON_HOLD” is not one of:",
        ),
        (
            lambda p: p["identificationModule"].update(nctId="NCT123"),
            "study 1: protocolSection.identificationModule.nctId: “NCT123” is not an NCT number",
        ),
        (
            lambda p: p["statusModule"].update(lastUpdatePostDateStruct={"date": "May 2024"}),
            "study 1 (NCT99990013): protocolSection.statusModule.lastUpdatePostDateStruct.date: “May 2024” is not a date",
        ),
        (
            lambda p: p["eligibilityModule"].update(minimumAge="30 Years"),
            "study 1 (NCT99990013): protocolSection.eligibilityModule.maximumAge: “21 Years” is below the minimum age",
        ),
        (
            lambda p: p["eligibilityModule"].update(maximumAge="130 Years"),
            "study 1 (NCT99990013): protocolSection.eligibilityModule.maximumAge: “130 Years” is older than 120 years.",
        ),
        (
            lambda p: p.update(armsInterventionsModule={"interventions": [{"name": ["CTL019"]}]}),
            "study 1 (NCT99990013): protocolSection.armsInterventionsModule.interventions[0].name: expected text.",
        ),
        (
            lambda p: p.update(contactsLocationsModule={"centralContacts": ["Dr. Example"]}),
            "study 1 (NCT99990013): protocolSection.contactsLocationsModule.centralContacts[0]: expected an object.",
        ),
    ],
)
def test_wrong_values_are_named_by_file_study_and_path(change, message):
    summary = run(as_file("one.json", valid_study_with(change)))
    [error] = summary.errors["one.json"]
    assert error.startswith(f"one.json: {message}")
    assert Study.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"42", 'one.json: expected a study, a list of studies or a page of results ({"studies": [...]}).'),
        (b'["NCT02435849"]', "one.json: study 1: expected an object."),
        ("[1]".encode("utf-16"), "one.json: not UTF-8 text."),
        (b"[" * 100_000, "one.json: not valid JSON"),
    ],
)
def test_files_that_are_not_studies(data, message):
    summary = run(("one.json", data))
    assert summary.errors["one.json"][0].startswith(message)


def test_the_same_study_twice_in_a_file_is_refused():
    study = fixture("eliana.json")
    summary = run(as_file("twice.json", [study, study]))
    assert summary.errors["twice.json"] == [
        "twice.json: study 2 (NCT02435849): protocolSection.identificationModule.nctId: "
        "the same study as study 1 in this file."
    ]


def test_a_kept_age_that_no_longer_makes_a_range_refuses_the_whole_file():
    run("eliana.json")
    Study.objects.filter(nct_number="NCT02435849").update(maximum_age="5 Years")  # staff edit
    page = {"studies": [changed_eliana(minimumAge="6 Years"), fixture("cd19_list.json")[0]]}

    summary = run(as_file("page.json", page))

    assert summary.errors["page.json"][0].startswith(
        "page.json: study 1 (NCT02435849): protocolSection.eligibilityModule.minimumAge: "
        "the ages would run from “6 Years” to “5 Years”"
    )
    study = Study.objects.get(nct_number="NCT02435849")
    assert (study.minimum_age, study.registry_updated_on) == ("3 Years", datetime.date(2023, 1, 10))
    assert not Study.objects.filter(nct_number="NCT01626495").exists()


# The command.


def test_command_prints_each_file_and_the_total():
    out = io.StringIO()
    call_command("import_studies", str(FIXTURES / "eliana.json"), str(FIXTURES / "page.json"), stdout=out)
    text = out.getvalue()
    assert f"{FIXTURES / 'eliana.json'}: created: 1, updated: 0, unchanged: 0, skipped: 0" in text
    assert f"{FIXTURES / 'page.json'}: created: 4, updated: 0, unchanged: 0, skipped: 1" in text
    assert "NCT99990009: expanded access (AVAILABLE)" in text
    assert "Total, 2 of 2 files imported: created: 5, updated: 0, unchanged: 0, skipped: 1" in text
    assert Study.objects.count() == 5


def test_command_reports_kept_edits():
    call_command("import_studies", str(FIXTURES / "eliana.json"), stdout=io.StringIO())
    Study.objects.filter(nct_number="NCT02435849").update(conditions="Relapsed B-ALL")
    out = io.StringIO()
    call_command("import_studies", str(FIXTURES / "eliana.json"), stdout=out)
    assert "unchanged: 1" in out.getvalue()
    assert "NCT02435849: kept the site's own conditions, not the registry's." in out.getvalue()


def test_command_imports_the_good_files_then_fails(tmp_path):
    missing = tmp_path / "nowhere.json"
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import_studies",
            str(FIXTURES / "bad_age.json"),
            str(FIXTURES / "eliana.json"),
            str(missing),
            stdout=out,
            stderr=err,
        )
    assert excinfo.value.returncode == 1
    assert "bad_age.json" in str(excinfo.value) and "nowhere.json" in str(excinfo.value)
    assert "study 2 (NCT99990014): protocolSection.eligibilityModule.minimumAge: “eighteen”" in err.getvalue()
    assert f"{missing}: No such file or directory" in err.getvalue()
    assert "Total, 1 of 3 files imported: created: 1" in out.getvalue()
    assert "eighteen" not in out.getvalue()
    assert list(Study.objects.values_list("nct_number", flat=True)) == ["NCT02435849"]


def test_command_exit_status(capsys):
    # call_command, not ManagementUtility: run_from_argv closes every database connection when it ends, the
    # test's own included (on PostgreSQL). From a shell, CommandError's returncode is the exit status.
    with pytest.raises(CommandError) as excinfo:
        call_command("import_studies", str(FIXTURES / "missing_nct.json"))
    assert excinfo.value.returncode == 1
    assert "protocolSection.identificationModule.nctId: missing." in capsys.readouterr().err
    call_command("import_studies", str(FIXTURES / "eliana.json"))  # no error
    assert Study.objects.filter(nct_number="NCT02435849").exists()


# The admin's upload page.


def upload(name):
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), content_type="application/json")


def messages_of(response):
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def test_changelist_links_to_the_import_page(staff_client):
    html = staff_client.get(reverse(CHANGELIST_URL)).content.decode()
    assert f'href="{reverse(IMPORT_URL)}"' in html
    assert "Import from ClinicalTrials.gov" in html
    response = staff_client.get(reverse(IMPORT_URL))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()
    assert "<script>" not in response.content.decode() and "style=" not in response.content.decode()


@pytest.fixture
def staff_with(client, django_user_model, settings, content):
    settings.OTP_REQUIRED = False

    def login(*codenames):
        user = django_user_model.objects.create_user("editor", "editor@example.org", "a-long-password-123")
        user.is_staff = True
        user.save()
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="programs", codename__in=codenames))
        client.force_login(user)
        return client

    return login


@pytest.mark.parametrize("codenames", [["view_study"], ["change_study"], ["add_study"]])
def test_import_needs_add_and_change_permission(staff_with, codenames):
    client = staff_with(*codenames)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert client.post(reverse(IMPORT_URL), {"files": [upload("eliana.json")]}).status_code == 403
    assert Study.objects.get(nct_number="NCT02435849").imported_values == {}
    if "view_study" in codenames or "change_study" in codenames:
        assert reverse(IMPORT_URL) not in client.get(reverse(CHANGELIST_URL)).content.decode()


def test_import_with_add_and_change_permission(staff_with):
    client = staff_with("add_study", "change_study")
    response = client.post(reverse(IMPORT_URL), {"files": [upload("page.json")]})
    assert response.status_code == 302
    assert Study.objects.filter(nct_number="NCT99990001", published=False).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse(IMPORT_URL))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_upload_shows_the_summary_as_messages(staff_client):
    Study.objects.filter(nct_number="NCT01626495").update(title_en="Our own title")
    response = staff_client.post(
        reverse(IMPORT_URL),
        {"files": [upload("cd19_list.json"), upload("page.json"), upload("bad_age.json")]},
        follow=True,
    )
    assert response.redirect_chain == [(reverse(CHANGELIST_URL), 302)]
    shown = messages_of(response)
    assert ("success", "cd19_list.json: created: 1, updated: 1, unchanged: 0, skipped: 0") in shown
    assert ("success", "page.json: created: 4, updated: 0, unchanged: 0, skipped: 1") in shown
    assert (
        "warning",
        "NCT01626495: kept the site's own title (English), not the registry's. Check which is right.",
    ) in shown
    assert any(level == "info" and text.startswith("NCT99990009: expanded access") for level, text in shown)
    assert any(level == "info" and "NCT02228096" in text and "unpublished" in text for level, text in shown)
    assert any(
        level == "error"
        and text.startswith("bad_age.json: study 2 (NCT99990014): protocolSection.eligibilityModule.minimumAge:")
        for level, text in shown
    )
    assert ("error", "Total, 2 of 3 files imported: created: 5, updated: 1, unchanged: 0, skipped: 1") in shown
    assert not Study.objects.filter(nct_number="NCT99990013").exists()
    assert Study.objects.get(nct_number="NCT01626495").title_en == "Our own title"


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ([], "This field is required."),
        ([SimpleUploadedFile("study.txt", b"{}")], "“study.txt” is not a .json file."),
        ([SimpleUploadedFile("empty.json", b"")], "The submitted file is empty."),
        ([SimpleUploadedFile("latin1.json", '{"t": "Niño"}'.encode("latin-1"))], "“latin1.json” is not UTF-8"),
        ([SimpleUploadedFile("big.json", b" " * 2048 + b"{}")], "“big.json” is larger than 1.0"),
        ([SimpleUploadedFile(f"s{n}.json", b"{}") for n in range(10)], "Upload at most 10 files at a time."),
    ],
)
def test_a_bad_upload_is_a_form_error(staff_client, monkeypatch, files, error):
    monkeypatch.setattr("programs.registry.forms.MAX_FILE_SIZE", 1024)
    response = staff_client.post(reverse(IMPORT_URL), {"files": [*files, upload("eliana.json")]} if files else {})
    assert response.status_code == 200
    html = response.content.decode()
    assert "errornote" in html
    assert error in html.replace("&quot;", '"').replace("&#x27;", "'")
    assert Study.objects.get(nct_number="NCT02435849").imported_values == {}


def test_antigens_staff_named_on_a_row_never_imported_stay_when_the_registry_names_none():
    Study.objects.create(
        nct_number="NCT99990003",
        title="Infants' follow-up",
        phase=Study.Phase.PHASE_4,
        conditions="B-ALL",
        target_antigens="CD19",
    )
    run("page.json")
    study = Study.objects.get(nct_number="NCT99990003")
    assert study.target_antigens == "CD19"  # the registry names no antigen for it
    assert study.minimum_age == "6 Weeks"  # its other fields came from the registry
