"""The public status page (issue #9): a reference number and a date of birth give the stage, and nothing else."""

import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from referrals.forms.status import normalise_reference
from referrals.models import Note, RecordItem, StatusChange, StatusLookup, Submission
from referrals.selectors import status_for
from referrals.services import records, workflow
from referrals.views.status import stage_steps
from tests.referrals.factories import MARKERS, make_submission, spanish_url, verified_client

pytestmark = pytest.mark.django_db

URL = "/status/"
REFERENCE = "CIP-7KQ2-9XHD"
OTHER_REFERENCE = "CIP-8MNP-4RST"  # right shape, no such submission
DOB = date(2015, 3, 17)  # MARKERS["patient_dob"]
WRONG_DOB = date(2015, 3, 18)
DOB_SHOWN_AS = ["2015-03-17", "03/17/2015", "3/17/2015", "March 17, 2015", "17/03/2015", "17 de marzo"]

# Everything a submission holds that the status page must never show.
SECRETS = {
    **{key: value for key, value in MARKERS.items() if key != "patient_dob"},
    "medical_record_number": "MRNMARKER77",
    "referrer_name": "Refmarker Doctorname",
    "current_treatment": "Txmarker regimen",
    "note": "Notemarker internal words",
    "history_note": "Histmarker coordinator words",
    "decline_reason": str(Submission.DeclineReason.OTHER_PROGRAM.label),
    "diagnosis": "lymphoblastic",
}


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.STATUS_LOOKUPS_PER_CLIENT = 1000
    settings.STATUS_LOOKUPS_PER_REFERENCE = 1000
    settings.STATUS_LOOKUP_WINDOW_SECONDS = 3600


def _submission(status=Submission.Status.IN_REVIEW, record_states=None, **fields):
    """A submission whose every private field holds a marker (see SECRETS), with a note."""
    names = {name for name in SECRETS if hasattr(Submission, name)} - {"diagnosis", "decline_reason"}
    private = {name: SECRETS[name] for name in names}
    submission = make_submission(
        reference=REFERENCE, patient_dob=DOB, status=status, record_states=record_states, **{**private, **fields}
    )
    Note.objects.create(submission=submission, body=SECRETS["note"])
    return submission


def _status_change(submission, when, to_value="in_review", action=StatusChange.Action.STATUS):
    fields = {"from_value": "new", "to_value": to_value, "note": SECRETS["history_note"], "changed_at": when}
    return StatusChange.objects.create(submission=submission, action=action, **fields)


def _post(client=None, reference=REFERENCE, dob=DOB, url=URL, **extra):
    return (client or Client()).post(url, {"reference": reference, "patient_dob": str(dob)}, **extra)


def _assert_nothing_private(html):
    for name, marker in SECRETS.items():
        assert marker not in html, name
    for shown in DOB_SHOWN_AS:
        assert shown not in html, shown


def _without_form_values(html):
    """The page with every value attribute (the typed values, the CSRF token) blanked."""
    return re.sub(r'value="[^"]*"', 'value=""', html)


def _stage_label(stage, language="en"):
    with translation.override(language):
        return str(Submission.Stage(stage).label)


def _row_values(row):
    return {field.attname: getattr(row, field.attname) for field in StatusLookup._meta.concrete_fields}


# --- The form --------------------------------------------------------------------------


def test_get_shows_the_form_and_looks_nothing_up(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(URL, {"reference": REFERENCE, "patient_dob": str(DOB)})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'method="post"' in html and f'action="{URL}"' in html and 'name="reference"' in html
    assert 'type="date"' in html and 'autocomplete="bday"' in html  # the intake forms' date input
    assert re.search(r'<label\s+for="id_reference"', html) and re.search(r'<label\s+for="id_patient_dob"', html)
    assert "csrfmiddlewaretoken" in html and "no-store" in response["Cache-Control"]
    assert 'aria-current="step"' not in html
    assert not StatusLookup.objects.exists()


def test_spanish_page_renders_in_spanish(client):
    assert spanish_url("referrals:status") == "/es/status/"
    response = client.get("/es/status/")
    assert response.status_code == 200 and '<html lang="es">' in response.content.decode()


def test_csrf_is_enforced():
    _submission()
    client = Client(enforce_csrf_checks=True)
    assert _post(client).status_code == 403
    assert not StatusLookup.objects.exists()
    # With the token the page handed out, the same lookup works.
    token = client.get(URL).cookies["csrftoken"].value
    response = client.post(URL, {"reference": REFERENCE, "patient_dob": str(DOB), "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert 'aria-current="step"' in response.content.decode()


@pytest.mark.parametrize(
    "typed", ["CIP-7KQ2-9XHD", "cip-7kq2-9xhd", " CIP 7KQ2 9XHD ", "CIP7KQ29XHD", "7kq2 9xhd", "7KQ2\u20139XHD"]
)
def test_references_are_normalised(typed):
    assert normalise_reference(typed) == REFERENCE
    _submission()
    response = _post(reference=typed)
    assert 'aria-current="step"' in response.content.decode()
    assert StatusLookup.objects.get().reference == REFERENCE


@pytest.mark.parametrize("typed", ["", "hello", "CIP-7KQ2-9XH0", "CIP-7KQ2-9XHDD", "XYZ-7KQ2-9XHD", "CIP-7KQ2"])
def test_references_of_the_wrong_shape_are_refused(typed):
    assert normalise_reference(typed) is None


def test_malformed_input_gets_field_errors_and_a_row_without_a_reference():
    _submission()
    response = _post(reference="CIP-0000-1111", dob="17/03/2015")
    html = response.content.decode()
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["reference"][0].startswith("Please check the reference number")
    assert "patient_dob" in form.errors
    assert 'id="error-summary"' in html and 'href="#id_reference"' in html and 'href="#id_patient_dob"' in html
    assert 'aria-current="step"' not in html
    row = StatusLookup.objects.get()
    assert (row.reference, row.submission_id, row.found, row.limited) == ("", None, False, False)


def test_a_future_date_of_birth_is_a_field_error_but_an_old_one_is_not():
    # The intake forms' age limit does not apply: the patient may have passed it since.
    response = _post(dob=timezone.localdate() + timedelta(days=1))
    assert response.context["form"].has_error("patient_dob", "dob_future")
    response = _post(dob=date(1980, 1, 2))
    assert not response.context["form"].has_error("patient_dob")


# --- The answer --------------------------------------------------------------------------


def test_right_pair_shows_the_stage_and_the_date_of_the_last_status_change():
    submission = _submission(status=Submission.Status.DECLINED, decline_reason=Submission.DeclineReason.OTHER_PROGRAM)
    late_evening = datetime(2025, 1, 10, 3, 0, tzinfo=UTC)  # still 9 January in New York
    _status_change(submission, late_evening - timedelta(days=5))
    _status_change(submission, late_evening, to_value="declined")
    _status_change(submission, late_evening + timedelta(days=3), action=StatusChange.Action.ASSIGNED)  # not a stage
    response = _post()
    html = response.content.decode()
    assert response.status_code == 200
    current = re.search(r'<li[^>]*aria-current="step"[^>]*>(.*?)</li>', html, re.S).group(1)
    assert _stage_label("decided") in current
    assert html.count('aria-current="step"') == 1
    expected_day = timezone.localdate(late_evening)
    assert f'<time datetime="{expected_day.isoformat()}">' in html
    assert REFERENCE in html and 'id="status-result-title"' in html
    assert 'name="patient_dob"' not in html  # no form carrying the typed date back
    _assert_nothing_private(html)
    assert response.context["answer"].stage == Submission.Stage.DECIDED


def test_without_a_status_change_the_last_change_is_the_day_it_arrived():
    received = timezone.now() - timedelta(days=20)
    _submission(status=Submission.Status.NEW, received_at=received)
    html = _post().content.decode()
    assert f'<time datetime="{timezone.localdate(received).isoformat()}">' in html
    current = re.search(r'<li[^>]*aria-current="step"[^>]*>(.*?)</li>', html, re.S).group(1)
    assert _stage_label("received") in current


def test_awaiting_records_lists_the_requested_items_needed_or_received(coordinator):
    submission = _submission()
    records.request_records(
        submission=submission, items=["flow_mrd", "pathology"], audience="clinician", by=coordinator
    )
    workflow.set_record_item(submission=submission, item="pathology", state=RecordItem.State.RECEIVED, by=None)
    html = _post().content.decode()
    needed = re.search(r'<ul class="status-needed">(.*?)</ul>', html, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", needed)
    assert items == ["Flow cytometry / MRD report: still needed", "Pathology report: <strong>received</strong>"]
    _assert_nothing_private(html)


def test_awaiting_records_without_a_records_link_lists_nothing_but_says_so():
    _submission(status=Submission.Status.AWAITING_RECORDS)
    html = _post().content.decode()
    assert "status-needed" not in html
    assert "We are waiting for records." in html


def test_other_stages_list_nothing_needed_even_with_missing_items():
    _submission(status=Submission.Status.IN_REVIEW)  # every checklist item is missing
    response = _post()
    assert response.context["answer"].needed == ()
    assert "status-needed" not in response.content.decode()


@pytest.mark.parametrize(
    "expected",
    [
        "received:current reviewing:upcoming decided:upcoming",
        "received:done reviewing:current decided:upcoming",
        "received:done reviewing:done awaiting_records:current decided:upcoming",
        "received:done reviewing:done decided:current",
        "received:done reviewing:done answered:current",
        "received:done reviewing:done closed:current",
    ],
)
def test_stage_steps(expected):
    expected = [tuple(step.split(":")) for step in expected.split()]
    stage = next(step for step, state in expected if state == "current")
    assert stage_steps(Submission.Stage(stage)) == expected


def test_a_message_under_review_ends_with_answered():
    _submission(kind=Submission.Kind.EXISTING_PATIENT, submitter_role="parent")
    steps = _post().context["steps"]
    assert [(str(step), state) for step, state in steps] == [
        ("received", "done"),
        ("reviewing", "current"),
        ("answered", "upcoming"),
    ]


def test_the_answer_in_spanish(coordinator):
    submission = _submission()
    records.request_records(submission=submission, items=["pathology"], audience="clinician", by=coordinator)
    response = _post(url="/es/status/")
    html = response.content.decode()
    assert '<html lang="es">' in html
    current = re.search(r'<li[^>]*aria-current="step"[^>]*>(.*?)</li>', html, re.S).group(1)
    assert _stage_label("awaiting_records", "es") in current
    with translation.override("es"):
        assert str(RecordItem.Item.PATHOLOGY.label) in html
    _assert_nothing_private(html)


# --- Wrong pairs: one neutral answer ------------------------------------------------------


def test_every_wrong_pair_gets_the_same_neutral_answer():
    _submission()
    wrong_dob = _post(dob=WRONG_DOB)
    unknown = _post(reference=OTHER_REFERENCE)
    neither = _post(reference=OTHER_REFERENCE, dob=WRONG_DOB)
    for response in (wrong_dob, unknown, neither):
        assert response.status_code == 200
        html = response.content.decode()
        assert "We could not find a request with this reference number and date of birth." in html
        assert 'aria-current="step"' not in html
        for name, marker in SECRETS.items():
            assert marker not in html, name
    pages = {_without_form_values(r.content.decode()) for r in (wrong_dob, unknown, neither)}
    assert len(pages) == 1
    # Only the form's own values differ: what was typed, as typed.
    assert f'value="{WRONG_DOB.isoformat()}"' in wrong_dob.content.decode()


def test_a_match_needs_both_reference_and_date_of_birth():
    _submission()
    make_submission(reference=OTHER_REFERENCE, patient_dob=WRONG_DOB)
    assert status_for(REFERENCE, WRONG_DOB) is None
    assert status_for(OTHER_REFERENCE, DOB) is None
    assert status_for(REFERENCE, DOB) is not None


# --- The log of lookups -------------------------------------------------------------------


def test_each_lookup_writes_one_row_without_the_date_of_birth():
    submission = _submission()
    before = timezone.now()
    _post(REMOTE_ADDR="203.0.113.7")
    _post(dob=WRONG_DOB, REMOTE_ADDR="203.0.113.8")
    found, not_found = StatusLookup.objects.order_by("pk")
    fields = ("reference", "submission_id", "found", "limited", "client_ip")
    assert set(_row_values(found)) == {"id", "at", *fields}  # a new column must be checked here too
    assert [getattr(found, name) for name in fields] == [REFERENCE, submission.pk, True, False, "203.0.113.7"]
    assert [getattr(not_found, name) for name in fields] == [REFERENCE, None, False, False, "203.0.113.8"]
    for row in (found, not_found):
        assert before <= row.at <= timezone.now()
        values = [str(value) for value in _row_values(row).values()]
        assert not any(shown in value for value in values for shown in DOB_SHOWN_AS)
        assert not any(WRONG_DOB.isoformat() in value for value in values)


def test_logs_name_the_reference_never_the_date_of_birth(caplog):
    _submission()
    with caplog.at_level(logging.DEBUG):
        _post()
        _post(dob=WRONG_DOB)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert REFERENCE in text
    assert DOB.isoformat() not in text and WRONG_DOB.isoformat() not in text


# --- Rate limits --------------------------------------------------------------------------


def test_per_client_limit_answers_429_and_still_counts_malformed_posts(settings):
    settings.STATUS_LOOKUPS_PER_CLIENT = 3
    settings.STATUS_LOOKUP_WINDOW_SECONDS = 1800  # its own window, not the forms' (3600)
    _submission()
    assert _post(reference="nonsense", REMOTE_ADDR="198.51.100.1").status_code == 200
    assert _post(dob=WRONG_DOB, REMOTE_ADDR="198.51.100.1").status_code == 200
    assert _post(reference=OTHER_REFERENCE, REMOTE_ADDR="198.51.100.1").status_code == 200
    refused = _post(REMOTE_ADDR="198.51.100.1")  # the right pair, too late
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1800"
    html = refused.content.decode()
    assert "checked many times" in html and "30 minutes" in html and "forms from your connection" not in html
    assert 'aria-current="step"' not in html
    row = StatusLookup.objects.order_by("-pk").first()
    assert (row.reference, row.submission_id, row.found, row.limited) == (REFERENCE, None, False, True)
    # Another client is not affected.
    assert 'aria-current="step"' in _post(REMOTE_ADDR="198.51.100.2").content.decode()


def test_per_reference_limit_holds_across_addresses_and_counts_successful_lookups(settings):
    settings.STATUS_LOOKUPS_PER_REFERENCE = 3
    _submission()
    assert 'aria-current="step"' in _post(REMOTE_ADDR="192.0.2.1").content.decode()  # a success counts too
    assert _post(dob=WRONG_DOB, REMOTE_ADDR="192.0.2.2").status_code == 200
    assert _post(dob=WRONG_DOB + timedelta(days=1), REMOTE_ADDR="192.0.2.3").status_code == 200
    refused = _post(REMOTE_ADDR="192.0.2.4")  # the right date of birth, from a fresh address
    assert refused.status_code == 429
    assert StatusLookup.objects.filter(limited=True, reference=REFERENCE, found=False).count() == 1
    # Typed differently, it is the same reference.
    assert _post(reference="cip 7kq2 9xhd", REMOTE_ADDR="192.0.2.5").status_code == 429
    # Other references are not affected.
    assert _post(reference=OTHER_REFERENCE, REMOTE_ADDR="192.0.2.6").status_code == 200


def test_the_refusal_does_not_reveal_whether_the_reference_exists(settings):
    settings.STATUS_LOOKUPS_PER_REFERENCE = 1
    _submission()
    _post(dob=WRONG_DOB, REMOTE_ADDR="192.0.2.1")
    _post(reference=OTHER_REFERENCE, dob=WRONG_DOB, REMOTE_ADDR="192.0.2.1")
    existing = _post(dob=WRONG_DOB, REMOTE_ADDR="192.0.2.2")
    unknown = _post(reference=OTHER_REFERENCE, dob=WRONG_DOB, REMOTE_ADDR="192.0.2.2")
    assert existing.status_code == unknown.status_code == 429
    assert _without_form_values(existing.content.decode()) == _without_form_values(unknown.content.decode())
    assert existing["Retry-After"] == unknown["Retry-After"]


def test_a_client_refused_by_its_own_limit_does_not_use_up_the_reference(settings):
    settings.STATUS_LOOKUPS_PER_CLIENT = 2
    settings.STATUS_LOOKUPS_PER_REFERENCE = 3
    _submission()
    statuses = [_post(dob=WRONG_DOB, REMOTE_ADDR="192.0.2.66").status_code for _i in range(6)]
    assert statuses == [200, 200, 429, 429, 429, 429]
    # The family, from home: the reference has been tried twice, not six times.
    assert 'aria-current="step"' in _post(REMOTE_ADDR="192.0.2.10").content.decode()


# --- Query counts -------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "queries"), [("in_review", 2), ("awaiting_records", 3)])
def test_queries_when_found(django_assert_num_queries, status, queries):
    _submission(status=status)
    # the lookup (with its last change), [the latest records link: none here], the log row
    with django_assert_num_queries(queries) as captured:
        response = _post()
    assert 'aria-current="step"' in response.content.decode()
    lookup = captured.captured_queries[0]["sql"]
    for column in ("patient_name", "diagnosis", "message", "insurance", "contact_", "decline_reason", "referrer_"):
        assert column not in lookup, column


def test_queries_when_not_found_malformed_or_refused(settings, django_assert_num_queries):
    _submission()
    with django_assert_num_queries(2):  # the lookup, the log row
        _post(dob=WRONG_DOB)
    with django_assert_num_queries(1):  # the log row only
        _post(reference="nonsense")
    settings.STATUS_LOOKUPS_PER_CLIENT = 0
    with django_assert_num_queries(1):  # the log row only: the database is never asked about the reference
        assert _post().status_code == 429


# --- The admin ----------------------------------------------------------------------------


def test_status_lookups_admin_superusers_read_nobody_edits(coordinator_client, django_user_model):
    submission = _submission()
    _post(REMOTE_ADDR="203.0.113.9")
    row = StatusLookup.objects.get()
    list_url = reverse("admin:referrals_statuslookup_changelist")
    assert coordinator_client.get(list_url).status_code == 403
    client = verified_client(django_user_model.objects.create_superuser("root", "root@example.org", "x" * 20))
    response = client.get(list_url)
    assert response.status_code == 200
    assert REFERENCE in response.content.decode()
    assert client.get(list_url, {"q": REFERENCE, "found__exact": "1"}).status_code == 200
    change = reverse("admin:referrals_statuslookup_change", args=[row.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"reference": "CIP-2222-2222"})
    assert StatusLookup.objects.get(pk=row.pk).reference == REFERENCE
    assert client.get(reverse("admin:referrals_statuslookup_delete", args=[row.pk])).status_code == 403
    assert client.get(reverse("admin:referrals_statuslookup_add")).status_code == 403
    assert submission.pk == row.submission_id
