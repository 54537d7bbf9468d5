"""The coordinators' changelist and change page: columns, filters, search, query counts, the workflow panel."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals.models import AccessLog, Note, RecordItem, StatusChange, Submission
from referrals.services import workflow

from .factories import (
    change_form_data,
    change_url,
    make_attachment,
    make_coordinator,
    make_submission,
    post_change,
    verified_client,
)

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:referrals_submission_changelist")
NY = ZoneInfo("America/New_York")


def references(response):
    return [row.reference for row in response.context["cl"].result_list]


def test_changelist_columns_mask_contact_details_and_show_age_not_dob(coordinator_client):
    submission = make_submission(
        patient_dob=date(2015, 3, 14), contact_email="maria.lopez@example.org", contact_phone="+12025550143"
    )
    response = coordinator_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert submission.reference in html
    assert "maria.lopez@example.org" not in html
    assert "m•••@example.org" in html
    assert "•••0143" in html
    assert "2025550143" not in html
    assert "2015" not in html.split('id="result_list"')[1].split("</table>")[0]  # no DOB in the rows
    assert f">{submission.patient_age()}<" in html
    assert submission.patient_name not in html


def test_changelist_marks_urgent_rows_and_uses_short_kind_labels(coordinator_client):
    urgent = make_submission(urgency=Submission.Urgency.URGENT, urgent_reason="Rising blasts")
    routine = make_submission(kind=Submission.Kind.SECOND_OPINION, submitter_role=Submission.SubmitterRole.PARENT)
    rows = coordinator_client.get(CHANGELIST).content.decode().split('id="result_list"')[1].split("</table>")[0]
    urgent_row = next(row for row in rows.split("<tr") if urgent.reference in row)
    routine_row = next(row for row in rows.split("<tr") if routine.reference in row)
    assert 'class="cip-badge cip-badge-urgent">Urgent<' in urgent_row
    assert "cip-badge-urgent" not in routine_row
    assert ">Referral<" in urgent_row and ">Second opinion<" in routine_row


def test_changelist_same_number_of_queries_for_10_and_200_submissions(coordinator_client, coordinator):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = coordinator_client.get(CHANGELIST)
        assert response.status_code == 200
        return len(queries)

    def add(n):
        for i in range(n):
            make_submission(
                assigned_to=coordinator if i % 2 else None,
                urgency="urgent" if i % 3 == 0 else "routine",
                patient_name=f"Twin {i % 5}",
                status=["new", "in_review", "closed"][i % 3],
            )

    add(10)
    count_queries()  # warm caches (content types, permissions)
    ten = count_queries()
    add(190)
    assert count_queries() == ten


def test_change_page_same_number_of_queries_for_1_and_20_notes(coordinator_client, coordinator):
    submission = make_submission()
    workflow.add_note(submission=submission, body="first", by=coordinator)
    workflow.transition(submission=submission, to_status="in_review", by=coordinator)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = coordinator_client.get(change_url(submission))
        assert response.status_code == 200
        return len(queries)

    count_queries()
    one = count_queries()
    for i in range(19):
        workflow.add_note(submission=submission, body=f"note {i}", by=coordinator)
        workflow.set_record_item(
            submission=submission, item="pathology", state=["received", "missing"][i % 2], by=coordinator
        )
    assert count_queries() == one


def test_default_order_urgent_then_overdue_then_oldest(coordinator):
    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=NY), tick=False):
        coordinator_client = verified_client(coordinator)  # sessions expire: sign in at the travelled time
        now = timezone.now()
        old_routine = make_submission(received_at=now - timedelta(days=1), first_contacted_at=now)
        oldest_routine = make_submission(received_at=now - timedelta(days=2), first_contacted_at=now)
        overdue = make_submission(received_at=now - timedelta(days=7))
        urgent_new = make_submission(urgency="urgent", received_at=now - timedelta(hours=1))
        closed_urgent = make_submission(urgency="urgent", status="closed", received_at=now - timedelta(days=30))
        response = coordinator_client.get(CHANGELIST)
        everything = coordinator_client.get(CHANGELIST, {"status": "all"})
    open_queue = [s.reference for s in (urgent_new, overdue, oldest_routine, old_routine)]
    assert references(response) == open_queue  # the default list is the open queue
    assert references(everything) == [*open_queue, closed_urgent.reference]  # closed ones last, however urgent


def test_waiting_column_shows_overdue_badge_across_weekend(coordinator):
    submission = make_submission(received_at=datetime(2026, 11, 20, 16, tzinfo=NY))  # Friday
    with time_machine.travel(datetime(2026, 11, 22, 9, tzinfo=NY), tick=False):  # Sunday
        html = verified_client(coordinator).get(CHANGELIST).content.decode()
        assert "Due Mon 23 Nov" in html
    with time_machine.travel(datetime(2026, 11, 23, 9, tzinfo=NY), tick=False):  # Monday
        html = verified_client(coordinator).get(CHANGELIST).content.decode()
        assert "cip-badge-due_today" in html
    with time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=NY), tick=False):  # Tuesday
        html = verified_client(coordinator).get(CHANGELIST).content.decode()
        assert re.search(r'2 <span class="cip-badge cip-badge-overdue">Overdue</span>', html)
    assert submission.reference in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=in_review", {"in_review"}),
        ("kind=second_opinion", {"second_opinion"}),
        ("urgency=urgent", {"urgent"}),
        ("language=es", {"spanish"}),
        ("interpreter_needed__exact=1", {"interpreter"}),
        ("assigned=me", {"mine"}),
        ("assigned=none", None),  # everything not assigned to someone
        ("overdue=yes", {"overdue"}),
    ],
)
def test_each_filter(coordinator_client, coordinator, query, expected):
    now = timezone.now()
    fresh = {"received_at": now, "first_contacted_at": now}
    rows = {
        "in_review": make_submission(status="in_review", **fresh),
        "second_opinion": make_submission(kind="second_opinion", submitter_role="parent", **fresh),
        "urgent": make_submission(urgency="urgent", **fresh),
        "spanish": make_submission(language="es", **fresh),
        "interpreter": make_submission(interpreter_needed=True, **fresh),
        "mine": make_submission(assigned_to=coordinator, **fresh),
        "overdue": make_submission(received_at=now - timedelta(days=10)),
    }
    response = coordinator_client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    got = set(references(response))
    if expected is None:
        expected = set(rows) - {"mine"}
    assert got == {rows[name].reference for name in expected}


def test_overdue_filter_no(coordinator_client):
    late = make_submission(received_at=timezone.now() - timedelta(days=10))
    fresh = make_submission()
    response = coordinator_client.get(f"{CHANGELIST}?overdue=no")
    assert references(response) == [fresh.reference]
    assert late.reference not in references(response)


@pytest.mark.parametrize(
    ("field", "value", "query"),
    [
        ("reference", None, None),
        ("patient_name", "Quentin Blakeworth", "blakeworth"),
        ("referrer_name", "Dr. Imogen Farrowdale", "farrowdale"),
        ("referrer_npi", "1497758544", "1497758544"),
        ("contact_email", "parent.unique@example.net", "parent.unique@"),
        ("referrer_email", "onc.unique@hospital.example", "onc.unique"),
    ],
)
def test_search(coordinator_client, field, value, query):
    target = make_submission(**({field: value} if value else {}))
    make_submission()
    response = coordinator_client.get(CHANGELIST, {"q": query or target.reference.lower()})
    assert references(response) == [target.reference]


def test_received_filter_replaces_the_date_hierarchy(coordinator):
    # date_hierarchy ran SELECT DISTINCT over every row on each page; the "received" list filter costs no query.
    with time_machine.travel(datetime(2026, 2, 10, 12, tzinfo=NY), tick=False):
        coordinator_client = verified_client(coordinator)
        make_submission(received_at=datetime(2025, 6, 1, 12, tzinfo=NY))
        target = make_submission(received_at=datetime(2026, 2, 1, 12, tzinfo=NY))
        response = coordinator_client.get(CHANGELIST)
        this_year = next(
            choice["query_string"]
            for spec in response.context["cl"].filter_specs
            for choice in spec.choices(response.context["cl"])
            if str(choice["display"]) == "This year"
        )
        assert response.context["cl"].date_hierarchy is None
        assert references(coordinator_client.get(CHANGELIST + this_year)) == [target.reference]


def test_duplicate_flag_in_list_and_link_on_change_page(coordinator_client):
    first = make_submission(patient_name="Sam Doe", patient_dob=date(2014, 5, 6))
    second = make_submission(patient_name="sam doe", patient_dob=date(2014, 5, 6))
    single = make_submission(patient_name="Other Child")
    response = coordinator_client.get(CHANGELIST)
    flags = {row.reference: row.is_likely_duplicate for row in response.context["cl"].result_list}
    assert flags == {first.reference: True, second.reference: True, single.reference: False}
    html = coordinator_client.get(change_url(first)).content.decode()
    assert f'href="{change_url(second)}">{second.reference}</a>' in html


def test_change_page_shows_submitted_data_read_only_attachments_and_history(coordinator_client, coordinator):
    submission = make_submission(patient_name="Readonly Child")
    workflow.transition(submission=submission, to_status="in_review", by=coordinator)
    workflow.add_note(submission=submission, body="Called the oncologist", by=coordinator)
    attachment = make_attachment(submission, content=b"%PDF-1.4 test", name="path report.pdf")
    response = coordinator_client.get(change_url(submission))
    html = response.content.decode()
    assert "Readonly Child" in html
    assert 'name="patient_name"' not in html  # read-only, not an input
    assert "Called the oncologist" in html
    assert 'name="notes-0-body"' not in html  # existing notes cannot be edited
    assert reverse("admin:referrals_attachment_download", args=[attachment.pk]) in html
    assert "path report.pdf" in html and "13\xa0bytes" in html
    history = html.split('id="history-group"')[1].split('id="notes-group"')[0]
    assert "In review" in history and "in_review" not in history  # labels, not stored codes
    assert "Delete" not in html


RECORDS_TITLE = "Ask for records, or add records that came by fax or email"


@pytest.mark.parametrize(
    ("kind", "fields", "titles", "absent"),
    [
        (
            "referral",
            {},
            [
                "Referring clinician",
                "The patient",
                "Pre-screen answers",
                "Urgency",
                "Insurance",
                "Parent or guardian",
                "Confirm",
            ],
            {"current_hospital", "message", "topic", "consent_to_contact"},
        ),
        (
            "second_opinion",
            {"submitter_role": "parent", "current_hospital": "Lakeside Children's"},
            [
                "Contact",
                "The patient",
                "Pre-screen (from the family)",
                "Current care team",
                "How we can help",
                "Insurance",
                "Please confirm",
            ],
            {"referrer_npi", "mrd_level", "topic", "family_aware"},
        ),
        (
            "existing_patient",
            {"submitter_role": "parent", "topic": "records"},
            ["Contact", "The patient", "Your message", "How to reach you", "Please confirm"],
            {"referrer_npi", "current_hospital", "insurance_payer", "family_aware"},
        ),
    ],
)
def test_change_page_groups_the_answers_by_the_kinds_own_form_sections(
    coordinator_client, kind, fields, titles, absent
):
    submission = make_submission(kind=kind, **fields)
    response = coordinator_client.get(change_url(submission))
    assert response.status_code == 200
    fieldsets = [(str(fieldset.name), fieldset) for fieldset in response.context["adminform"]]
    summary = [] if kind == "existing_patient" else ["Pre-screen summary"]  # a message has no pre-screen
    workflow_titles = ["None", *summary, "Workflow", "Records checklist", RECORDS_TITLE]
    assert [name for name, _fieldset in fieldsets[: len(workflow_titles)]] == workflow_titles
    assert [name for name, _fieldset in fieldsets[len(workflow_titles) :]] == titles
    fieldsets = fieldsets[len(workflow_titles) - 1 :]
    shown = {
        name
        for _name, fieldset in fieldsets
        for line in fieldset
        for field in line
        for name in [field.field["name"] if isinstance(field.field, dict) else field.field.name]
    }
    assert {"patient_name", "patient_dob", "contact_name"} <= shown
    assert not shown & absent
    html = response.content.decode()
    for title in titles:
        assert f">{title}</h2>" in html, title


def test_urgent_submissions_show_why_before_the_other_answers(coordinator_client):
    submission = make_submission(urgency=Submission.Urgency.URGENT, urgent_reason="Rising blasts on day 14")
    response = coordinator_client.get(change_url(submission))
    titles = [str(fieldset.name) for fieldset in response.context["adminform"]][5:]
    assert titles == [
        "Urgency",
        "Referring clinician",
        "The patient",
        "Pre-screen answers",
        "Insurance",
        "Parent or guardian",
        "Confirm",
    ]
    assert "Rising blasts on day 14" in response.content.decode()


def test_history_shows_records_checklist_changes_as_labels(coordinator_client, coordinator):
    submission = make_submission()
    workflow.set_record_item(submission=submission, item="pathology", state="received", by=coordinator)
    html = coordinator_client.get(change_url(submission)).content.decode()
    history = html.split('id="history-group"')[1].split('id="notes-group"')[0]
    assert "Pathology report: Missing" in history and "Pathology report: Received" in history
    assert "pathology: received" not in history


def test_saving_a_stale_change_page_keeps_a_colleagues_changes(coordinator_client, coordinator):
    """A opened the page; B then took the case and ticked a record; A's save (a note) must not undo B's work."""
    colleague = make_coordinator("bea")
    submission = make_submission()
    stale_page = change_form_data(coordinator_client, submission)
    workflow.assign(submission=submission, to=colleague, by=colleague)
    workflow.set_record_item(submission=submission, item="pathology", state="received", by=colleague)

    response = post_change(coordinator_client, submission, stale_page, new_note="Left a voicemail")
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.assigned_to == colleague
    assert RecordItem.objects.get(submission=submission, item="pathology").state == "received"
    assert not StatusChange.objects.filter(submission=submission, changed_by=coordinator).exists()
    assert Note.objects.get(submission=submission).body == "Left a voicemail"

    # What A did change on the stale page still applies.
    response = post_change(coordinator_client, submission, stale_page, record_flow_mrd="received")
    assert RecordItem.objects.get(submission=submission, item="flow_mrd").state == "received"
    assert submission.__class__.objects.get(pk=submission.pk).assigned_to == colleague


def test_a_refused_step_on_the_change_page_does_not_also_say_success(coordinator_client, monkeypatch):
    # The form offers only allowed steps, so a refusal here is a race (a colleague moved it first): simulate one.
    def refuse(**kwargs):
        raise workflow.WorkflowError(f"{kwargs['submission'].reference} refused: cannot go from closed to in review.")

    monkeypatch.setattr(workflow, "transition", refuse)
    submission = make_submission()
    response = post_change(coordinator_client, submission, new_status="in_review", new_note="Called")
    assert response.status_code == 302
    text = [str(m) for m in coordinator_client.get(response.url).context["messages"]]
    assert any("refused" in m for m in text), text
    assert not any("successfully" in m for m in text), text
    assert Note.objects.get(submission=submission).body == "Called"  # the steps that were allowed still ran


def test_change_page_exports_this_submission_through_the_export_action(coordinator_client, coordinator):
    submission = make_submission()
    html = coordinator_client.get(change_url(submission)).content.decode()
    assert 'name="action" value="export_csv"' in html
    assert f'name="_selected_action" value="{submission.pk}"' in html
    response = coordinator_client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [submission.pk]})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert submission.reference in body
    assert AccessLog.objects.filter(action="export", submission=submission, user=coordinator).count() == 1


def test_change_form_workflow_panel_calls_the_services(coordinator_client, coordinator):
    submission = make_submission()
    response = post_change(
        coordinator_client,
        submission,
        assign_me="on",
        contacted_now="on",
        new_status="in_review",
        status_note="Eligible on paper",
        record_pathology="received",
        new_note="Mum prefers mornings",
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    submission.refresh_from_db()
    assert submission.assigned_to == coordinator
    assert submission.first_contacted_at is not None
    assert submission.status == "in_review"
    assert RecordItem.objects.get(submission=submission, item="pathology").state == "received"
    assert Note.objects.get(submission=submission).body == "Mum prefers mornings"
    actions = sorted(StatusChange.objects.filter(submission=submission).values_list("action", flat=True))
    assert actions == ["assigned", "contacted", "records", "status"]
    # The admin's own log names the reference only.
    from django.contrib.admin.models import LogEntry

    entry = LogEntry.objects.get()
    assert entry.object_repr == submission.reference
    assert submission.patient_name not in entry.change_message


def test_change_form_refuses_decline_without_reason(coordinator_client):
    submission = make_submission()
    response = post_change(coordinator_client, submission, new_status="declined")
    assert response.status_code == 200
    assert "Choose why it is declined." in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == "new"
    assert not StatusChange.objects.exists()


def test_change_form_accept_needs_consult_date(coordinator_client):
    submission = make_submission(status="in_review")
    response = post_change(coordinator_client, submission, new_status="accepted")
    assert response.status_code == 200
    response = post_change(coordinator_client, submission, new_status="accepted", set_consult_date="2026-12-10")
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.status, submission.consult_date) == ("accepted", date(2026, 12, 10))


def test_change_form_offers_only_allowed_transitions(coordinator_client):
    submission = make_submission(status="accepted", consult_date=date(2026, 12, 1))
    form = coordinator_client.get(change_url(submission)).context["adminform"].form
    assert [value for value, _label in form.fields["new_status"].choices] == ["", "closed"]
    response = post_change(coordinator_client, submission, new_status="in_review")
    assert response.status_code == 200
    assert Submission.objects.get(pk=submission.pk).status == "accepted"


def test_change_page_view_is_access_logged(coordinator_client, coordinator):
    submission = make_submission()
    coordinator_client.get(change_url(submission), REMOTE_ADDR="203.0.113.9")
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.submission, log.object_repr, log.client_ip) == (
        coordinator,
        "view",
        submission,
        submission.reference,
        "203.0.113.9",
    )
    assert "?" not in log.object_repr


def test_search_text_is_not_carried_to_the_change_page(coordinator_client):
    submission = make_submission(patient_name="Privatename Kid")
    response = coordinator_client.get(CHANGELIST, {"q": "privatename", "status": "new"})
    html = response.content.decode()
    link = re.search(rf'href="([^"]*/{submission.pk}/change/[^"]*)"', html).group(1)
    assert "privatename" not in link.lower()
    assert "status" in link  # other filters are kept


def test_search_uses_the_trigram_index_on_postgresql(coordinator_client):
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm indexes exist on PostgreSQL only")
    make_submission(patient_name="Indexed Searchname")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = (
            Submission.objects.filter(patient_name__icontains="searchname")
            .order_by()
            .query.get_compiler("default")
            .as_sql()
        )
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "submission_patient_name_trgm" in plan
    response = coordinator_client.get(CHANGELIST, {"q": "searchname"})
    assert len(references(response)) == 1


SEARCH = reverse("admin:referrals_submission_search")


def test_search_box_posts_so_the_search_text_never_reaches_a_url(coordinator_client):
    target = make_submission(patient_name="Privatename Kid")
    make_submission(patient_name="Someone Else")
    html = coordinator_client.get(CHANGELIST, {"status": "new"}).content.decode()
    assert f'method="post" action="{SEARCH}"' in html

    response = coordinator_client.post(SEARCH, {"q": "  Privatename  ", "status": "new", "p": "3"})
    assert response.status_code == 302
    location = response["Location"]
    assert "privatename" not in location.lower()
    assert re.fullmatch(rf"{CHANGELIST}\?status=new&qk=[\w-]+", location), location

    response = coordinator_client.get(location)
    assert references(response) == [target.reference]
    html = response.content.decode()
    assert 'value="Privatename"' in html  # the words stay in the search box (the page, not the URL)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and not [href for href in hrefs if "privatename" in href.lower() or "q=" in href]
    assert any("qk=" in href for href in hrefs)  # sorting, filters and the change page keep the search
    # The change page's way back to the list keeps the search by its key, not by its words.
    change = re.search(rf'href="([^"]*/{target.pk}/change/[^"]*)"', html).group(1)
    assert "qk" in change and "privatename" not in change.lower()


def test_an_empty_search_shows_the_whole_list_with_its_filters(coordinator_client):
    response = coordinator_client.post(SEARCH, {"q": "  ", "status": "new"})
    assert response["Location"] == f"{CHANGELIST}?status=new"


def test_a_search_key_works_only_in_the_session_that_made_it(coordinator_client, coordinator):
    make_submission(patient_name="Privatename Kid")
    location = coordinator_client.post(SEARCH, {"q": "Privatename"})["Location"]
    other = verified_client(make_coordinator("bea"))
    response = other.get(location)
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    assert "expired" in str(list(other.get(CHANGELIST).context["messages"])[0])


def test_search_needs_a_signed_in_coordinator_and_a_post(coordinator_client, client):
    assert coordinator_client.get(SEARCH).status_code == 405
    response = client.post(SEARCH, {"q": "Privatename"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert "privatename" not in response["Location"].lower()
