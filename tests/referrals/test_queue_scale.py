"""The queue at a million submissions: indexes the queue and its search use, constant query counts, estimated counts.

The EXPLAIN tests run on PostgreSQL only (the indexes they name are PostgreSQL's
plans); the rest run on both databases.
"""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals.models import Note, StatusChange, Submission

from .factories import change_url, make_submission

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:referrals_submission_changelist")
SEARCH = reverse("admin:referrals_submission_search")


def references(response):
    return [row.reference for row in response.context["cl"].result_list]


def add_submissions(n, **fields):
    """``n`` submissions in every status, some urgent, some sharing a patient (the duplicate flag)."""
    statuses = [*Submission.OPEN_STATUSES, Submission.Status.CLOSED]
    for i in range(n):
        make_submission(
            **{
                "patient_name": f"Child Garcia {i % 3}",
                "patient_dob": date(2015, 1, 1 + i % 3),
                "urgency": "urgent" if i % 4 == 0 else "routine",
                "status": statuses[i % len(statuses)],
                "received_at": timezone.now() - timedelta(days=i),
                **fields,
            }
        )


def count_queries(client, url, data=None):
    client.get(url, data)  # warm per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
    assert response.status_code == 200
    return len(queries)


# --- The default list, the status filter, the received filter ---------------------------------------------------


def test_default_list_is_the_open_queue_and_the_status_filter_reaches_closed_ones(coordinator_client):
    open_ones = {make_submission(status=status).reference for status in Submission.OPEN_STATUSES}
    closed = make_submission(status="closed")
    declined = make_submission(status="declined", decline_reason="other")

    response = coordinator_client.get(CHANGELIST)
    assert set(references(response)) == open_ones
    html = response.content.decode()
    assert "Open (new, in review, awaiting records)" in html  # the sidebar says what the default shows

    assert references(coordinator_client.get(CHANGELIST, {"status": "closed"})) == [closed.reference]
    assert references(coordinator_client.get(CHANGELIST, {"status": "declined"})) == [declined.reference]
    everything = set(references(coordinator_client.get(CHANGELIST, {"status": "all"})))
    assert everything == open_ones | {closed.reference, declined.reference}


def test_closed_only_list_is_ordered_oldest_first(coordinator_client):
    now = timezone.now()
    newer = make_submission(status="closed", received_at=now - timedelta(days=1))
    older_urgent = make_submission(status="closed", urgency="urgent", received_at=now - timedelta(days=9))
    older = make_submission(status="closed", received_at=now - timedelta(days=5))
    response = coordinator_client.get(CHANGELIST, {"status": "closed"})
    assert references(response) == [older_urgent.reference, older.reference, newer.reference]


def test_received_filter_choices_cost_no_query_and_filter(coordinator_client):
    today = make_submission(received_at=timezone.now())
    make_submission(received_at=timezone.now() - timedelta(days=400))
    response = coordinator_client.get(CHANGELIST)
    cl = response.context["cl"]
    spec = next(spec for spec in cl.filter_specs if getattr(spec, "field_path", "") == "received_at")
    with CaptureQueriesContext(connection) as queries:
        choices = {str(choice["display"]): choice["query_string"] for choice in spec.choices(cl)}
    assert len(queries) == 0
    assert {"Today", "Past 7 days", "This month", "This year"} <= set(choices)
    assert references(coordinator_client.get(CHANGELIST + choices["Today"])) == [today.reference]
    assert cl.date_hierarchy is None  # its SELECT DISTINCT read every row


# --- Query counts that do not grow with the rows ----------------------------------------------------------------


def test_queue_and_search_run_the_same_queries_for_5_and_50_submissions(coordinator_client, coordinator):
    add_submissions(5, assigned_to=coordinator)
    key_url = coordinator_client.post(SEARCH, {"q": "garcia"})["Location"]
    queue, everything, search = (
        count_queries(coordinator_client, CHANGELIST),
        count_queries(coordinator_client, CHANGELIST, {"status": "all"}),
        count_queries(coordinator_client, key_url),
    )
    add_submissions(45, assigned_to=coordinator)
    assert count_queries(coordinator_client, CHANGELIST) == queue
    assert count_queries(coordinator_client, CHANGELIST, {"status": "all"}) == everything
    assert count_queries(coordinator_client, key_url) == search
    assert len(references(coordinator_client.get(key_url))) > 5


def add_notes_and_history(submission, n, by):
    Note.objects.bulk_create([Note(submission=submission, author=by, body=f"note {i}\nline two") for i in range(n)])
    StatusChange.objects.bulk_create(
        [StatusChange(submission=submission, changed_by=by, from_value="new", to_value="in_review") for _i in range(n)]
    )


def test_change_page_runs_the_same_queries_for_5_and_50_notes_and_history_rows(coordinator_client, coordinator):
    submission = make_submission()
    add_notes_and_history(submission, 5, coordinator)
    five = count_queries(coordinator_client, change_url(submission))
    add_notes_and_history(submission, 45, coordinator)
    assert count_queries(coordinator_client, change_url(submission)) == five
    html = coordinator_client.get(change_url(submission)).content.decode()
    history = html.split('id="history-group"')[1].split('id="notes-group"')[0]
    assert history.count("<tr class=") == 50 and "In review" in history
    notes = html.split('id="notes-group"')[1]
    assert notes.count("<tr class=") == 50 and "note 44<br>line two" in notes
    assert coordinator.username in notes
    assert 'name="notes-0-' not in html and 'name="notes-TOTAL_FORMS" value="0"' in html  # nothing to post


def test_change_page_lists_the_oldest_likely_duplicates_and_counts_the_rest_in_the_same_queries(coordinator_client):
    """A patient sent many times (a family's retries, a script) costs the change page no more than a few times.

    Found in use: 7,900 submissions under one name and birth date made one change page take 0.76 s, a link each.
    """
    dob = date(2014, 6, 1)
    first = make_submission(patient_name="Ana Lopez", patient_dob=dob, received_at=timezone.now() - timedelta(days=30))
    older = [
        make_submission(patient_name="Ana Lopez", patient_dob=dob, received_at=timezone.now() - timedelta(days=29 - i))
        for i in range(2)
    ]
    few = count_queries(coordinator_client, change_url(first))
    html = coordinator_client.get(change_url(first)).content.decode()
    assert all(other.reference in html for other in older) and "more" not in html.split("Likely duplicates")[1][:400]
    newer = [
        make_submission(patient_name="ANA LOPEZ", patient_dob=dob, received_at=timezone.now() - timedelta(days=20 - i))
        for i in range(12)
    ]
    assert count_queries(coordinator_client, change_url(first)) == few
    html = coordinator_client.get(change_url(first)).content.decode()
    listed = [other for other in [*older, *newer] if other.reference in html]
    assert listed == [*older, *newer[:8]]  # the oldest 10
    assert "and 4 more" in html


# --- Counting: exact up to QUEUE_EXACT_COUNT_LIMIT, then the planner's estimate (PostgreSQL) ---------------------


def test_count_is_exact_on_sqlite_and_under_the_limit(coordinator_client, settings):
    settings.QUEUE_EXACT_COUNT_LIMIT = 3
    add_submissions(6, status="new")
    response = coordinator_client.get(CHANGELIST)
    if connection.vendor == "postgresql":
        settings.QUEUE_EXACT_COUNT_LIMIT = 100
        response = coordinator_client.get(CHANGELIST)
    assert response.context["cl"].result_count == 6
    assert not response.context["cl"].paginator.count_is_estimated
    assert "about" not in response.content.decode().split('class="paginator"')[1]


def test_count_past_the_limit_is_the_planners_estimate_on_postgresql(coordinator_client, settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite counts exactly; the estimate comes from PostgreSQL's EXPLAIN")
    settings.QUEUE_EXACT_COUNT_LIMIT = 3
    add_submissions(6, status="new")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_submission")
    response = coordinator_client.get(CHANGELIST)
    cl = response.context["cl"]
    assert cl.paginator.count_is_estimated
    assert cl.result_count >= 4  # never less than the rows counted before giving up
    assert f"about {cl.result_count}" in response.content.decode().split('class="paginator"')[1]
    assert len(references(response)) == 6


# --- EXPLAIN: the indexes the queue and its search rely on (PostgreSQL) ------------------------------------------


def plan_of(sql, *, bitmaps_only=False, no_sort=False):
    """PostgreSQL's plan for ``sql``, with sequential scans priced out.

    The test tables hold a few rows, where a sequential scan is cheapest and the
    planner would rightly ignore every index; ``enable_seqscan = off`` (for this
    transaction only) asks which index it would use when the table is large.
    ``bitmaps_only`` prices out plain index scans too: on a few rows, walking a
    whole unrelated index beats combining bitmaps; on a million, the bitmaps win.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if bitmaps_only:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
        if no_sort:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def page_query(client, url, data=None, *, rows=False):
    """The SQL that picks the changelist's page, as the admin runs it on a list longer than one page.

    In the queue's own order that is the query of the order's parts (``page_pks``: which rows, by pk), and
    ``rows=True`` gives the query that then reads them; otherwise (a search, a sorted column) the page's rows
    query itself. A list that fits on one page is read without a LIMIT; the plans that matter (at a million
    rows) are those of a page: the LIMIT is added when missing.
    """
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
    assert response.status_code == 200
    parts = [q["sql"] for q in queries if q["sql"].startswith('(SELECT 0 AS "part"')]
    if parts and not rows:
        return parts[0]
    page = [q["sql"] for q in queries if q["sql"].startswith('SELECT "referrals_submission"."id", ')]
    sql = next(sql for sql in page if "ORDER BY" in sql)
    return sql if re.search(r" LIMIT \d+$", sql) else f"{sql} LIMIT 50"  # (the duplicate flag's EXISTS has its own)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the partial, expression and trigram indexes are PostgreSQL plans")


def test_the_open_queue_uses_its_partial_index_and_the_duplicate_flag_its_btree(coordinator_client, postgresql_only):
    add_submissions(8)
    # Which rows: each of the order's four parts (urgent or not, overdue or not) walks the open queue's index in
    # received order and stops after a page (a full sort of a few rows is cheapest here: sorting is priced out).
    parts = plan_of(page_query(coordinator_client, CHANGELIST), no_sort=True)
    assert parts.count("using submission_open_queue_idx") == 4, parts
    # The duplicate flag: UPPER(patient_name) = ... AND patient_dob = ... among open ones, not the trigram index.
    duplicate_flag = plan_of(page_query(coordinator_client, CHANGELIST, rows=True)).split("SubPlan")[1]
    assert "submission_open_patient_idx" in duplicate_flag and "trgm" not in duplicate_flag


def test_the_closed_list_walks_the_received_index_in_order(coordinator_client, postgresql_only):
    add_submissions(8)
    sql = page_query(coordinator_client, CHANGELIST, {"status": "closed"})
    assert sql.endswith('ORDER BY "referrals_submission"."received_at" ASC, "referrals_submission"."id" ASC LIMIT 50')
    # A full sort of a few rows is cheapest here; with sorting priced out, an index gives the order: (status,
    # received_at) for one status, received_at's own for several; only ties on received_at are left to sort.
    rows = plan_of(sql, no_sort=True).split("SubPlan")[0]
    assert "submission_status_recv_idx" in rows or "referrals_submission_received_at_" in rows
    assert "Presorted Key: referrals_submission.received_at" in rows


def test_every_search_term_uses_an_index_so_postgresql_can_combine_them(coordinator_client, postgresql_only):
    add_submissions(8)
    target = make_submission(referrer_npi="1497758544")
    for term, index in [
        ("garcia", "submission_patient_name_trgm"),
        ("garcia", "submission_referrer_name_trgm"),
        ("garcia", "submission_contact_email_trgm"),
        ("garcia", "submission_referrer_email_trgm"),
        (target.reference.lower(), "referrals_submission_reference_"),  # the unique index, or its _like twin
        ("1497758544", "referrals_submission_referrer_npi_"),
    ]:
        key_url = coordinator_client.post(SEARCH, {"q": term, "status": "all"})["Location"]
        sql = page_query(coordinator_client, key_url)
        plan = plan_of(sql, bitmaps_only=True)
        assert index in plan, (term, index, plan)
        assert "BitmapOr" in plan
        assert "Seq Scan" not in plan
    assert 'UPPER("referrals_submission"."referrer_npi"' not in sql  # an exact match, not Django's iexact


def test_the_received_filter_on_the_open_queue_uses_the_partial_index(coordinator_client, postgresql_only):
    add_submissions(8)
    cl = coordinator_client.get(CHANGELIST).context["cl"]
    spec = next(spec for spec in cl.filter_specs if getattr(spec, "field_path", "") == "received_at")
    past_week = next(choice["query_string"] for choice in spec.choices(cl) if str(choice["display"]) == "Past 7 days")
    plan = plan_of(page_query(coordinator_client, CHANGELIST + past_week), no_sort=True)
    # Each part of the queue's order: its urgency, then the received range, in the open queue's own index.
    assert plan.count("using submission_open_queue_idx") == 4, plan
    assert any("Index Cond: " in line and "received_at >=" in line for line in plan.splitlines()), plan


def test_the_change_pages_likely_duplicates_read_the_table_once_through_the_duplicate_index(
    coordinator_client, postgresql_only
):
    """The change page's "likely duplicates" is one scan of the open duplicate index, not the table joined to itself.

    Found in use: as ``pk IN (the same table, filtered)``, a table PostgreSQL had not yet analyzed (autovacuum
    off, or a fresh restore) was planned as a nested loop scanning the whole table once per row: 17 seconds
    for one change page at 8,000 submissions. One scan cannot go that wrong, whatever the statistics say.
    """
    add_submissions(8)
    submission = Submission.objects.filter(status__in=Submission.OPEN_STATUSES).first()
    with CaptureQueriesContext(connection) as queries:
        assert coordinator_client.get(change_url(submission)).status_code == 200
    sql = next(q["sql"] for q in queries if "UPPER(" in q["sql"] and '"referrals_submission"."reference"' in q["sql"])
    plan = plan_of(sql)
    assert "submission_open_patient_idx" in plan, plan
    assert "Join" not in plan and "Nested Loop" not in plan and "SubPlan" not in plan, plan
    assert plan.count("referrals_submission") == 1, plan
