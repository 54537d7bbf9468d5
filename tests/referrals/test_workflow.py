"""The coordinators' workflow services (referrals.services.workflow): allowed transitions, history rows; and the
queryset's clocks and duplicate flag they drive."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from referrals.models import Note, RecordItem, StatusChange, Submission
from referrals.services import workflow

from .factories import make_coordinator, make_submission

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _clock_settings(settings):
    settings.TIME_ZONE = "America/New_York"
    settings.FIRST_CONTACT_BUSINESS_DAYS = 1
    settings.REVIEW_BUSINESS_DAYS = 2
    settings.HOLIDAYS = ["2026-11-26"]


def test_transition_allowed_writes_history(coordinator):
    submission = make_submission()
    workflow.transition(submission=submission, to_status="in_review", by=coordinator, note="Looks eligible")
    submission.refresh_from_db()
    assert submission.status == "in_review"
    change = StatusChange.objects.get(submission=submission)
    assert (change.action, change.from_value, change.to_value, change.changed_by) == (
        "status",
        "new",
        "in_review",
        coordinator,
    )
    assert change.note == "Looks eligible"


def test_refused_transition_changes_nothing(coordinator):
    submission = make_submission(status="declined", decline_reason="not_eligible")
    with pytest.raises(workflow.WorkflowError, match="cannot go from declined to in review"):
        workflow.transition(submission=submission, to_status="in_review", by=coordinator)
    submission.refresh_from_db()
    assert submission.status == "declined"
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize(
    ("kind", "table"),
    [
        ("referral", Submission.TRANSITIONS),
        ("second_opinion", Submission.TRANSITIONS),
        ("existing_patient", Submission.MESSAGE_TRANSITIONS),
    ],
)
def test_every_transition_follows_the_map(coordinator, kind, table):
    for source, targets in table.items():
        if source == "answered" and kind != "existing_patient":
            continue  # only a message can be answered (a database constraint)
        for target in Submission.Status.values:
            extra = {"decline_reason": "not_eligible"} if source == "declined" else {}
            submission = make_submission(kind=kind, status=source, **extra)
            kwargs = {"decline_reason": "other", "consult_date": date(2026, 12, 1)}
            if target in targets:
                workflow.transition(submission=submission, to_status=target, by=coordinator, **kwargs)
                assert Submission.objects.get(pk=submission.pk).status == target
            else:
                with pytest.raises(workflow.WorkflowError):
                    workflow.transition(submission=submission, to_status=target, by=coordinator, **kwargs)


def test_decline_needs_a_reason(coordinator):
    submission = make_submission()
    with pytest.raises(workflow.WorkflowError, match="needs a reason"):
        workflow.transition(submission=submission, to_status="declined", by=coordinator)
    workflow.transition(submission=submission, to_status="declined", by=coordinator, decline_reason="duplicate")
    submission.refresh_from_db()
    assert (submission.status, submission.decline_reason) == ("declined", "duplicate")
    assert submission.decided_at is not None


def test_accept_needs_a_consult_date(coordinator):
    submission = make_submission(status="in_review")
    with pytest.raises(workflow.WorkflowError, match="consult date"):
        workflow.transition(submission=submission, to_status="accepted", by=coordinator)
    workflow.transition(submission=submission, to_status="accepted", by=coordinator, consult_date=date(2026, 12, 3))
    submission.refresh_from_db()
    assert submission.consult_date == date(2026, 12, 3)
    assert "2026-12-03" in StatusChange.objects.get(submission=submission).note


def test_assign_and_unassign_write_history(coordinator, django_user_model):
    other = make_coordinator("other")
    submission = make_submission()
    workflow.assign(submission=submission, to=coordinator, by=coordinator)
    workflow.assign(submission=submission, to=other, by=coordinator)
    workflow.assign(submission=submission, to=other, by=coordinator)  # no change, no history
    workflow.assign(submission=submission, to=None, by=coordinator)
    assert Submission.objects.get(pk=submission.pk).assigned_to is None
    rows = list(StatusChange.objects.filter(submission=submission).values_list("action", "from_value", "to_value"))
    assert rows == [("assigned", "", "coord"), ("assigned", "coord", "other"), ("assigned", "other", "")]


def test_only_active_coordinators_can_be_assigned(coordinator, django_user_model):
    submission = make_submission()
    outsider = django_user_model.objects.create_user("outsider")
    it_staff = django_user_model.objects.create_user("itstaff", is_staff=True)
    superuser = django_user_model.objects.create_superuser("root", password="x" * 20)
    gone = make_coordinator("gone", is_active=False)
    for user in (outsider, it_staff, superuser, gone):
        with pytest.raises(workflow.WorkflowError, match="only an active coordinator"):
            workflow.assign(submission=submission, to=user, by=coordinator)
    assert not StatusChange.objects.filter(submission=submission).exists()
    assert list(Submission.assignable_users()) == [coordinator]


def test_contacted_sets_first_contact_once(coordinator):
    submission = make_submission()
    first = datetime(2026, 11, 23, 10, tzinfo=NY)
    workflow.mark_contacted(submission=submission, by=coordinator, at=first)
    workflow.mark_contacted(submission=submission, by=coordinator, at=datetime(2026, 11, 24, 10, tzinfo=NY))
    submission.refresh_from_db()
    assert submission.first_contacted_at == first
    assert StatusChange.objects.filter(submission=submission, action="contacted").count() == 2


def test_notes_are_appended(coordinator):
    submission = make_submission()
    workflow.add_note(submission=submission, body="  Called mum, voicemail  ", by=coordinator)
    assert Note.objects.get(submission=submission).body == "Called mum, voicemail"
    with pytest.raises(workflow.WorkflowError):
        workflow.add_note(submission=submission, body="   ", by=coordinator)


def test_records_checklist_drives_records_complete(coordinator):
    submission = make_submission()
    assert not submission.records_complete
    items = RecordItem.Item.values
    for item in items[:-1]:
        workflow.set_record_item(submission=submission, item=item, state="received", by=coordinator)
    assert Submission.objects.get(pk=submission.pk).records_completed_at is None
    workflow.set_record_item(submission=submission, item="other", state="not_needed", by=coordinator)
    submission = Submission.objects.get(pk=submission.pk)
    assert submission.records_complete
    assert submission.records_completed_at is not None
    # Something goes missing again: the review clock stops.
    workflow.set_record_item(submission=submission, item="pathology", state="missing", by=coordinator)
    submission = Submission.objects.get(pk=submission.pk)
    assert not submission.records_complete
    assert submission.records_completed_at is None
    assert StatusChange.objects.filter(submission=submission, action="records").count() == len(items) + 1


def test_records_item_without_a_row_counts_as_missing(coordinator):
    submission = make_submission(record_states={item: "received" for item in RecordItem.Item.values})
    assert submission.records_complete
    RecordItem.objects.filter(submission=submission, item="other").delete()
    assert not Submission.objects.get(pk=submission.pk).records_complete
    workflow.set_record_item(submission=submission, item="other", state="received", by=coordinator)
    assert Submission.objects.get(pk=submission.pk).records_complete


def test_first_contact_due_and_overdue_across_a_weekend():
    received_friday = datetime(2026, 11, 20, 16, 30, tzinfo=NY)
    submission = make_submission(received_at=received_friday)
    assert submission.first_contact_due() == date(2026, 11, 23)  # Monday
    with time_machine.travel(datetime(2026, 11, 22, 12, tzinfo=NY), tick=False):  # Sunday
        assert submission.due_state() == ("due", date(2026, 11, 23))
        assert submission.business_days_waiting() == 0
        assert not Submission.objects.overdue().exists()
    with time_machine.travel(datetime(2026, 11, 23, 23, 59, tzinfo=NY), tick=False):  # Monday night
        assert submission.due_state()[0] == "due_today"
        assert submission.business_days_waiting() == 1
        assert not Submission.objects.overdue().exists()
    with time_machine.travel(datetime(2026, 11, 24, 0, 1, tzinfo=NY), tick=False):  # Tuesday
        assert submission.due_state()[0] == "overdue"
        assert list(Submission.objects.overdue()) == [submission]
        assert Submission.objects.for_queue().get().is_overdue
        submission.first_contacted_at = datetime(2026, 11, 23, 9, tzinfo=NY)
        submission.save()
        assert not Submission.objects.overdue().exists()


def test_review_due_two_business_days_after_records_complete_across_holiday():
    # Records complete Wednesday before Thanksgiving: due Monday (Thu holiday, Fri, weekend).
    submission = make_submission(
        received_at=datetime(2026, 11, 23, 9, tzinfo=NY),
        first_contacted_at=datetime(2026, 11, 23, 10, tzinfo=NY),
        status="in_review",
        records_completed_at=datetime(2026, 11, 25, 15, tzinfo=NY),
    )
    assert submission.review_due() == date(2026, 11, 30)
    with time_machine.travel(datetime(2026, 11, 30, 17, tzinfo=NY), tick=False):
        assert not Submission.objects.overdue().exists()
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=NY), tick=False):
        assert Submission.objects.overdue().get() == submission
        # A decision stops the clock.
        Submission.objects.filter(pk=submission.pk).update(status="declined", decline_reason="other")
        assert not Submission.objects.overdue().exists()


def test_duplicate_flag_same_name_any_case_and_dob_of_another_open_submission():
    first = make_submission(patient_name="Lucia Perez", patient_dob=date(2016, 1, 2))
    second = make_submission(patient_name="LUCIA PEREZ", patient_dob=date(2016, 1, 2))
    other_dob = make_submission(patient_name="Lucia Perez", patient_dob=date(2016, 1, 3))
    flags = dict(Submission.objects.with_duplicate_flag().values_list("pk", "is_likely_duplicate"))
    assert flags == {first.pk: True, second.pk: True, other_dob.pk: False}
    # Once the other one is closed, the remaining one is no longer flagged.
    Submission.objects.filter(pk=second.pk).update(status="closed")
    flags = dict(Submission.objects.with_duplicate_flag().values_list("pk", "is_likely_duplicate"))
    assert flags[first.pk] is False
    assert flags[second.pk] is True  # its twin is still open


def test_duplicate_flag_ignores_case_of_accented_letters_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's UPPER() only folds ASCII letters; PostgreSQL folds all of them")
    first = make_submission(patient_name="Lucía Pérez", patient_dob=date(2016, 1, 2))
    make_submission(patient_name="LUCÍA PÉREZ", patient_dob=date(2016, 1, 2))
    assert Submission.objects.with_duplicate_flag().get(pk=first.pk).is_likely_duplicate


def test_open_assigned_unassigned(coordinator):
    mine = make_submission(assigned_to=coordinator)
    nobody = make_submission()
    closed = make_submission(status="closed")
    assert set(Submission.objects.open()) == {mine, nobody}
    assert list(Submission.objects.assigned_to(coordinator)) == [mine]
    assert set(Submission.objects.unassigned()) == {nobody, closed}
