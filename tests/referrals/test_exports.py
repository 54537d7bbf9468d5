"""The CSV export (referrals.exports): the coordinators' columns, then every question the intake forms ask;
labels not codes; every cell neutralized against spreadsheet formulas."""

import csv
import io
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from referrals import exports
from referrals.forms import INTAKE_FORMS, submission_fields
from referrals.models import AccessLog, Submission
from referrals.services import audit

from .factories import make_coordinator, make_submission

CHANGELIST = reverse("admin:referrals_submission_changelist")
WORKFLOW_HEADERS = [
    "Reference",
    "Kind",
    "Status",
    "Urgency",
    "Received",
    "Assigned coordinator",
    "Language of the form",
    "First contacted",
    "Decided",
    "Consult date",
    "Decline reason",
]
# Every question, in the forms' order (referral, second opinion, existing patient), each once.
QUESTION_HEADERS = [
    "Referring clinician",
    "Credentials",
    "NPI",
    "Practice or hospital",
    "Clinician phone",
    "Clinician fax",
    "Clinician email",
    "Patient name",
    "Patient date of birth",
    "Patient sex",
    "Diagnosis",
    "Other diagnosis",
    "Disease status",
    "Prior lines of therapy",
    "Latest MRD result",
    "MRD level (%)",
    "MRD method",
    "Date of the MRD test",
    "CD19 status",
    "CD22 status",
    "Prior CD19-directed therapy",
    "Date of CD19-directed therapy",
    "Prior CAR T-cell therapy",
    "Date of CAR T-cell therapy",
    "Prior stem-cell transplant",
    "Date of stem-cell transplant",
    "Current treatment",
    "Clinical question",
    "Study referred for",
    "Reason it is urgent",
    "Insurance company",
    "Member ID",
    "Contact name",
    "Contact phone",
    "Contact email",
    "Preferred language",
    "Interpreter needed",
    "Family knows about this referral",
    "Filled in by",
    "Relationship to the patient",
    "Preferred contact method",
    "Best time to call",
    "Current hospital",
    "Current oncologist",
    "Oncologist phone",
    "Oncologist email",
    "Message",
    "Consent to be contacted",
    "Understands this is not for emergencies",
    "Medical record number",
    "Topic",
]


def test_columns_are_the_workflow_then_every_question_of_every_intake_form_once():
    header = next(exports.export_rows(Submission.objects.none()))
    assert header == WORKFLOW_HEADERS + QUESTION_HEADERS
    columns = exports.export_columns()
    assert len(columns) == len(set(columns)) == len(header)
    asked = {name for form_class in INTAKE_FORMS.values() for name in submission_fields(form_class.sections)}
    assert asked <= set(columns)
    assert set(columns) - asked <= set(exports.WORKFLOW_COLUMNS)


def test_headers_follow_the_coordinators_language():
    with translation.override("es"):
        header = next(exports.export_rows(Submission.objects.none()))
    assert header[0] != "Reference"
    assert "NPI" in header
    assert "Patient name" not in header


@pytest.mark.django_db
def test_cells_are_labels_yes_no_iso_dates_and_the_coordinators_username(settings):
    settings.TIME_ZONE = "America/New_York"
    coordinator = make_coordinator("nina")
    received = datetime(2026, 11, 20, 9, 30, tzinfo=ZoneInfo("America/New_York"))
    submission = make_submission(
        status="declined",
        decline_reason="duplicate",
        urgency="urgent",
        urgent_reason="Rising blasts",
        language="es",
        assigned_to=coordinator,
        received_at=received,
        patient_dob=date(2015, 3, 14),
        patient_sex="female",
        diagnosis="b_all",
        cd19_status="dim",
        prior_car_t=True,
        prior_car_t_date=date(2024, 5, 1),
        interpreter_needed=False,
        preferred_contact_time="evening",
    )
    header, row = list(exports.export_rows(Submission.objects.filter(pk=submission.pk)))
    cells = dict(zip(header, row, strict=True))
    assert cells["Reference"] == submission.reference
    assert cells["Kind"] == "Physician referral"
    assert cells["Status"] == "Declined"
    assert cells["Decline reason"] == "Duplicate"
    assert cells["Urgency"] == "Urgent"
    assert cells["Language of the form"] == "Spanish"
    assert cells["Assigned coordinator"] == "nina"
    assert datetime.fromisoformat(cells["Received"]) == received
    assert cells["First contacted"] == cells["Decided"] == cells["Consult date"] == ""
    assert cells["Patient date of birth"] == "2015-03-14"
    assert cells["Patient sex"] == "Female"
    assert cells["Diagnosis"] == "B-cell acute lymphoblastic leukemia (B-ALL)"
    assert cells["CD19 status"] == "CD19 dim or partial"
    assert cells["Filled in by"] == "Referring clinician or their staff"
    assert cells["Best time to call"] == "Early evening (5 pm to 7 pm)"
    assert (cells["Prior CAR T-cell therapy"], cells["Date of CAR T-cell therapy"]) == ("yes", "2024-05-01")
    assert (cells["Prior stem-cell transplant"], cells["Date of stem-cell transplant"]) == ("no", "")
    assert cells["Interpreter needed"] == "no"
    assert cells["Family knows about this referral"] == "yes"
    assert cells["Topic"] == ""  # not asked on this kind's form


@pytest.mark.django_db
def test_export_rows_neutralize_formula_cells():
    submission = make_submission(patient_name='=HYPERLINK("http://evil")', contact_name="@SUM(A1)")
    submission.referrer_name = "-2+3"
    submission.contact_email = "+x@example.org"
    submission.referrer_npi = "\t=1"
    submission.save()
    header, row = list(exports.export_rows(Submission.objects.filter(pk=submission.pk)))
    assert header[0] == "Reference"
    cells = dict(zip(header, row, strict=True))
    assert cells["Patient name"] == '\'=HYPERLINK("http://evil")'
    assert cells["Contact name"] == "'@SUM(A1)"
    assert cells["Referring clinician"] == "'-2+3"
    assert cells["Contact email"] == "'+x@example.org"
    assert cells["NPI"] == "'\t=1"
    assert cells["Reference"] == submission.reference


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1+1", " =1+1", "\u00a0=1+1", "\uff1d1+1", "\u3000+1"],
)
def test_csv_neutralizes_formulas_behind_spaces_and_full_width_signs(value):
    assert exports.csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Plain Name", "CIP-7KQ2-9XHD", "a=b", "2015-03-17", ""])
def test_csv_leaves_ordinary_text_alone(value):
    assert exports.csv_safe(value) == value


@pytest.mark.parametrize(
    ("value", "text"), [(None, ""), (True, "yes"), (False, "no"), (date(2026, 1, 2), "2026-01-02")]
)
def test_csv_writes_empty_yes_no_and_iso_dates(value, text):
    assert exports.csv_safe(value) == text


@pytest.mark.django_db
def test_csv_response_streams_a_private_attachment():
    submission = make_submission()
    response = exports.csv_response(Submission.objects.filter(pk=submission.pk), filename_stem="queue")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="queue-')
    assert response["Cache-Control"] == "private, no-store"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("Reference,Kind,Status,")
    assert len(lines) == 2 and lines[1].startswith(submission.reference + ",")


# --- Reading the rows: labels once per column, plain tuples, streamed; the same cells as the model shows ---


def _model_cell(submission, name):
    """What a cell held when the export read each model instance (the rule the streamed rows must keep)."""
    field = Submission._meta.get_field(name)
    if name == "assigned_to":
        value = submission.assigned_to.get_username() if submission.assigned_to_id else ""
    elif field.choices:
        value = getattr(submission, f"get_{name}_display")()
    else:
        value = getattr(submission, name)
    return exports.csv_safe(value)


@pytest.mark.django_db
def test_streamed_cells_are_what_each_model_instance_shows():
    coordinator = make_coordinator("nina")
    made = [
        make_submission(
            assigned_to=coordinator,
            contact_phone="+12155550134",
            referrer_phone="+442079460958",
            referrer_fax="+12155550199",
            mrd_result="detectable",
            mrd_level="0.0500",
            prior_lines_of_therapy=3,
            urgency="urgent",
        ),
        make_submission(kind="second_opinion", submitter_role="parent", oncologist_phone="+12155550100", topic=""),
        make_submission(kind="existing_patient", status="answered", topic="billing", contact_phone=""),
    ]
    queryset = Submission.objects.filter(pk__in=[s.pk for s in made]).order_by("pk")
    header, *rows = exports.export_rows(queryset)
    assert len(rows) == 3
    for submission, row in zip(queryset, rows, strict=True):
        expected = [_model_cell(submission, name) for name in exports.export_columns()]
        assert row == expected
    cells = dict(zip(header, rows[0], strict=True))
    assert cells["Contact phone"] == "'+1 215-555-0134"  # as the change page shows it; a leading + is quoted
    assert cells["MRD level (%)"] == "0.0500"


@pytest.mark.parametrize(
    "value", ["a\u0301=1", "=\u0338", "\u207c1", "\ufe661", "\x1f=1", "é=1", "Zoë", "0=1", "x", "\u3000x", "'=1"]
)
def test_the_quick_ascii_check_agrees_with_the_full_nfkc_rule(value):
    prefixes = ("=", "+", "-", "@", "\t", "\r", "\n")
    risky = value.startswith(prefixes) or unicodedata.normalize("NFKC", value).lstrip().startswith(prefixes)
    assert exports.csv_safe(value) == ("'" + value if risky else value)


def test_csv_goes_out_a_chunk_of_rows_at_a_time():
    rows = [["a", "b"], ["1", "x,y"], ["2", ""], ["3", "z"]]
    assert list(exports.csv_chunks(rows, rows_per_chunk=2)) == ['a,b\r\n1,"x,y"\r\n', "2,\r\n3,z\r\n"]
    assert list(exports.csv_chunks([], rows_per_chunk=2)) == []


def _export_everything(client):
    """The queue's export action on every submission ("select all"), its streamed body read to the end."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            CHANGELIST, {"action": "export_csv", "select_across": "1", "index": "0", "_selected_action": ["0"]}
        )
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode()  # the test client closes the response at the end
    return list(csv.reader(io.StringIO(body))), len(queries)


@pytest.mark.django_db
def test_an_export_runs_the_same_queries_for_10_and_100_submissions(coordinator_client):
    for _i in range(10):
        make_submission()
    rows, queries_for_10 = _export_everything(coordinator_client)
    assert len(rows) == 11
    for _i in range(90):
        make_submission(assigned_to=make_coordinator(f"c{_i}") if _i % 30 == 0 else None)
    rows, queries_for_100 = _export_everything(coordinator_client)
    assert len(rows) == 101
    assert queries_for_100 == queries_for_10


@pytest.mark.django_db
def test_the_export_logs_one_row_per_exported_submission_as_before(coordinator_client, coordinator):
    exported = [make_submission() for _i in range(3)]
    make_submission(status="closed")  # not selected
    response = coordinator_client.post(
        CHANGELIST, {"action": "export_csv", "index": "0", "_selected_action": [s.pk for s in exported]}
    )
    assert len(b"".join(response.streaming_content).splitlines()) == 4
    logs = list(AccessLog.objects.filter(action=AccessLog.Action.EXPORT))
    assert sorted(log.submission_id for log in logs) == sorted(s.pk for s in exported)
    assert {log.object_repr for log in logs} == {s.reference for s in exported}
    assert {(log.user_id, log.username, log.detail, log.client_ip) for log in logs} == {
        (coordinator.pk, "coord", "", "127.0.0.1")
    }
    assert len({log.at for log in logs}) == 1


@pytest.mark.django_db
def test_record_access_writes_the_same_rows_for_a_queryset_as_for_a_list(coordinator):
    submissions = [make_submission() for _i in range(2)]
    audit.record_access(user=coordinator, action=AccessLog.Action.EXPORT, submissions=submissions, client_ip="10.0.0.1")
    with CaptureQueriesContext(connection) as queries:
        written = audit.record_access(
            user=coordinator,
            action=AccessLog.Action.FHIR,
            submissions=Submission.objects.filter(pk__in=[s.pk for s in submissions]),
            client_ip="10.0.0.1",
        )
    assert written == 2
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT INTO")

    def rows(action):
        fields = ("user", "username", "submission", "object_repr", "detail", "client_ip")
        return sorted(AccessLog.objects.filter(action=action).values_list(*fields))

    assert rows(AccessLog.Action.FHIR) == rows(AccessLog.Action.EXPORT)
