"""The queue and the change page at speed: the same HTML and rows as Django's own way, for less work per row.

``QueueChangeList`` renders the queue's cells once per column instead of once per
cell, reads only the listed columns, and on PostgreSQL finds a page of the queue
part by part along ``submission_open_queue_idx`` (``SubmissionQuerySet.page_pks``);
the change page's read-only inlines render their rows in Python. Each test here
compares the fast way with Django's (or with a plain sort of every row).
"""

from datetime import timedelta

import pytest
from django.contrib.admin.templatetags.admin_list import results
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals.admin.submission import SubmissionAdmin
from referrals.models import Note, StatusChange, Submission

from .factories import change_url, make_submission

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:referrals_submission_changelist")
SEARCH = reverse("admin:referrals_submission_search")


def a_queue_of_every_kind(coordinator):
    """Submissions in every state the queue's columns and order tell apart (urgent, overdue, duplicate, closed...)."""
    now = timezone.now()
    made = []
    for i, (status, urgency, days, contacted) in enumerate(
        [
            ("new", "urgent", 9, False),  # urgent and overdue
            ("new", "urgent", 0, False),  # urgent, due today
            ("in_review", "routine", 30, False),  # overdue
            ("in_review", "routine", 30, True),  # contacted: nothing due
            ("awaiting_records", "routine", 12, True),
            ("new", "routine", 0, False),
            ("new", "routine", 2, True),
            ("closed", "routine", 40, True),
            ("closed", "urgent", 50, False),
            ("declined", "routine", 3, True),
        ]
    ):
        fields = {
            "status": status,
            "urgency": urgency,
            "received_at": now - timedelta(days=days, minutes=i),
            "first_contacted_at": now - timedelta(days=max(days - 1, 0)) if contacted else None,
            "patient_name": "Child Garcia" if i % 3 == 0 else f"Child Lopez {i}",
            "kind": ["referral", "second_opinion", "existing_patient"][i % 3],
            "assigned_to": coordinator if i % 2 else None,
        }
        if status == "declined":
            fields["decline_reason"] = "other"
        if status == "awaiting_records":
            fields["records_requested_at"] = now - timedelta(days=10)
        if i == 4:
            fields["contact_phone"] = ""
        if i % 3 == 1:
            fields["kind"] = "existing_patient"
        if fields["kind"] == "existing_patient" and status == "awaiting_records":
            fields["kind"] = "referral"
        made.append(make_submission(**fields))
    return made


def test_queue_rows_are_djangos_html_cell_for_cell(coordinator_client, coordinator):
    a_queue_of_every_kind(coordinator)
    key_url = coordinator_client.post(SEARCH, {"q": "garcia", "status": "all"})["Location"]
    for url, data in [
        (CHANGELIST, None),
        (CHANGELIST, {"status": "all"}),
        (CHANGELIST, {"status": "all", "o": "-3.8"}),  # sorted by a column: Django's order, not the queue's
        (CHANGELIST, {"status": "closed"}),
        (key_url, None),
    ]:
        response = coordinator_client.get(url, data)
        cl = response.context["cl"]
        ours = [list(row) for row in cl.result_table()["results"]]
        djangos = [list(row) for row in results(cl)]
        assert ours == djangos and ours, (url, data)
        html = response.content.decode()
        assert all(cell in html for cell in ours[0])  # the page shows the rows rendered here


def queue_pks(statuses):
    queue = Submission.objects.for_queue()
    if statuses is not None:
        queue = queue.filter(status__in=statuses)
    return list(queue.order_by(*Submission.objects.queue_ordering(statuses)).values_list("pk", flat=True))


def test_each_page_of_the_queue_holds_the_rows_a_full_sort_puts_there(coordinator_client, coordinator, monkeypatch):
    a_queue_of_every_kind(coordinator)
    a_queue_of_every_kind(coordinator)
    monkeypatch.setattr(SubmissionAdmin, "list_per_page", 3)
    for data, statuses in [
        ({}, list(Submission.OPEN_STATUSES)),
        ({"status": "all"}, None),
        ({"status": "new"}, ["new"]),
    ]:
        expected = queue_pks(statuses)
        listed = []
        for page in range(1, len(expected) // 3 + 2):
            response = coordinator_client.get(CHANGELIST, {**data, "p": page} if page > 1 else data)
            listed += [row.pk for row in response.context["cl"].result_list]
        assert listed == expected, data


def test_page_pks_is_a_page_of_the_full_sort(coordinator):
    if connection.vendor != "postgresql":
        pytest.skip("page_pks needs a LIMIT inside a UNION (PostgreSQL)")
    a_queue_of_every_kind(coordinator)
    a_queue_of_every_kind(coordinator)
    for statuses in [list(Submission.OPEN_STATUSES), None, ["awaiting_records"]]:
        queue = Submission.objects.for_queue()
        if statuses is not None:
            queue = queue.filter(status__in=statuses)
        parts = Submission.objects.queue_parts(statuses)
        expected = queue_pks(statuses)
        for offset in range(0, len(expected) + 2, 4):
            assert queue.page_pks(parts, offset, 4) == expected[offset : offset + 4], (statuses, offset)
    assert Submission.objects.queue_parts(["closed"]) is None  # received order: an index gives it as it is


def test_the_queue_reads_only_its_columns(coordinator_client, coordinator):
    a_queue_of_every_kind(coordinator)
    with CaptureQueriesContext(connection) as queries:
        response = coordinator_client.get(CHANGELIST, {"status": "all"})
        html = response.content.decode()  # the page rendered: every column's value read
    rows = [q["sql"] for q in queries if q["sql"].startswith('SELECT "referrals_submission"."id", ')]
    assert len(rows) == 1
    assert '"referrals_submission"."message"' not in rows[0] and '"referrals_submission"."referrer_fax"' not in rows[0]
    assert "Likely duplicate" in html and "•••0143" in html


def test_queue_queries_do_not_grow_past_a_page(coordinator_client, coordinator):
    """One submission or two pages of them (the parts of the order, the count, the rows): the same queries."""
    make_submission(urgency="urgent")
    one = len(queries_of(coordinator_client, CHANGELIST))
    everything = len(queries_of(coordinator_client, CHANGELIST, {"status": "all"}))
    for i in range(60):
        make_submission(urgency="urgent" if i % 7 == 0 else "routine", status="closed" if i % 5 == 0 else "new")
    assert len(queries_of(coordinator_client, CHANGELIST)) == one
    assert len(queries_of(coordinator_client, CHANGELIST, {"status": "all", "p": 2})) == everything


def queries_of(client, url, data=None):
    client.get(url, data)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, data).status_code == 200
    return [q["sql"] for q in queries]


# --- The change page ----------------------------------------------------------------------------------------------


def test_change_page_reads_the_checklist_once_and_the_row_without_the_queues_annotations(coordinator_client):
    submission = make_submission()
    sql = queries_of(coordinator_client, change_url(submission))
    assert sum('FROM "referrals_recorditem"' in q for q in sql) == 1
    row = next(q for q in sql if q.startswith('SELECT "referrals_submission"."id", '))
    assert "EXISTS" not in row and "CASE" not in row


def test_inline_rows_and_management_inputs_are_what_django_renders(coordinator_client, coordinator):
    submission = make_submission(status="in_review")
    Note.objects.create(submission=submission, author=coordinator, body="Called <b>mum</b>\nline two")
    StatusChange.objects.create(submission=submission, changed_by=coordinator, from_value="new", to_value="in_review")
    response = coordinator_client.get(change_url(submission))
    html = response.content.decode()
    for inline_formset in response.context["inline_admin_formsets"]:
        formset = inline_formset.formset
        assert str(formset.management_inputs()) == str(formset.management_form)
        assert str(formset.management_inputs()) in html
        inline = formset.inline
        for obj, cells in zip(formset.get_queryset(), formset.rows(), strict=True):
            assert cells == [(name, inline.cell(obj, name)) for name in inline.fields]
    assert "Called &lt;b&gt;mum&lt;/b&gt;<br>line two" in html
    assert "In review" in html.split('id="history-group"')[1]


@pytest.mark.postgres
def test_every_part_of_the_queues_order_walks_the_open_queue_index(coordinator_client, coordinator):
    """EXPLAIN (PostgreSQL): each open part of the order reads submission_open_queue_idx in order, and stops."""
    if connection.vendor != "postgresql":
        pytest.skip("the partial covering index is PostgreSQL's plan")
    a_queue_of_every_kind(coordinator)
    for data, open_parts in [({}, 4), ({"status": "all"}, 4), ({"status": "in_review"}, 4)]:
        sql = next(q for q in queries_of(coordinator_client, CHANGELIST, data) if q.startswith('(SELECT 0 AS "part"'))
        with connection.cursor() as cursor:
            # A few rows here: a sequential scan and a sort would be cheapest; at a million rows they are not.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        scans = [line for line in plan.splitlines() if "using submission_open_queue_idx" in line]
        assert len(scans) == open_parts, plan
        # Each part ends with LIMIT (offset + page): the walk stops there, however long the queue.
        assert plan.count("->  Limit") >= open_parts, plan
