"""The CSV export (referrals.exports): the coordinators' columns, then every question the intake forms ask;
labels not codes; every cell neutralized against spreadsheet formulas."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from referrals import exports
from referrals.forms import INTAKE_FORMS, submission_fields

from .factories import make_coordinator, make_submission

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
    header = next(iter(exports.export_rows([])))
    assert header == WORKFLOW_HEADERS + QUESTION_HEADERS
    columns = exports.export_columns()
    assert len(columns) == len(set(columns)) == len(header)
    asked = {name for form_class in INTAKE_FORMS.values() for name in submission_fields(form_class.sections)}
    assert asked <= set(columns)
    assert set(columns) - asked <= set(exports.WORKFLOW_COLUMNS)


def test_headers_follow_the_coordinators_language():
    with translation.override("es"):
        header = next(iter(exports.export_rows([])))
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
    header, row = list(exports.export_rows([submission]))
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
    header, row = list(exports.export_rows([submission]))
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
    response = exports.csv_response([submission], filename_stem="queue")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="queue-')
    assert response["Cache-Control"] == "private, no-store"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("Reference,Kind,Status,")
    assert len(lines) == 2 and lines[1].startswith(submission.reference + ",")
