"""The intake dashboard: counts, weekly chart (server-side SVG), medians, and a bounded number of queries."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import make_submission, verified_client

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("admin:dashboard")
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 25, 11, tzinfo=NY)  # a Wednesday


@pytest.fixture
def travelled_client(coordinator):
    with time_machine.travel(NOW, tick=False):
        yield verified_client(coordinator)


def test_dashboard_is_linked_from_the_admin_index(coordinator_client):
    html = coordinator_client.get(reverse("admin:index")).content.decode()
    assert f'href="{DASHBOARD}"' in html


def test_dashboard_numbers(travelled_client):
    # Received Monday 16th, contacted Tuesday 17th (1 business day), decided Friday 20th (4 business days).
    make_submission(
        received_at=datetime(2026, 11, 16, 9, tzinfo=NY),
        first_contacted_at=datetime(2026, 11, 17, 9, tzinfo=NY),
        decided_at=datetime(2026, 11, 20, 9, tzinfo=NY),
        status="declined",
        decline_reason="other",
    )
    # Received Friday 20th, contacted Monday 23rd (1), and one contacted 3 business days later.
    make_submission(
        received_at=datetime(2026, 11, 20, 9, tzinfo=NY),
        first_contacted_at=datetime(2026, 11, 23, 9, tzinfo=NY),
        status="in_review",
    )
    make_submission(
        received_at=datetime(2026, 11, 18, 9, tzinfo=NY),
        first_contacted_at=datetime(2026, 11, 23, 9, tzinfo=NY),
        status="awaiting_records",
    )
    make_submission(received_at=datetime(2026, 11, 19, 9, tzinfo=NY))  # new, not contacted: overdue
    make_submission(received_at=datetime(2026, 11, 25, 9, tzinfo=NY))  # new today
    make_submission(received_at=datetime(2026, 8, 1, 9, tzinfo=NY), status="closed")  # outside 12 weeks
    with time_machine.travel(NOW, tick=False):
        response = travelled_client.get(DASHBOARD)
    assert response.status_code == 200
    context = response.context
    assert dict(context["open_by_status"]) == {"New": 2, "In review": 1, "Awaiting records": 1}
    assert context["open_total"] == 4
    assert context["overdue"] == 1
    weekly = context["weekly"]
    assert len(weekly) == 12
    assert weekly[-1][1] == 1  # week of Monday 23rd
    assert weekly[-2][1] == 4  # week of Monday 16th
    assert sum(count for _week, count in weekly) == 5
    assert context["median_first_contact"] == 1  # 1, 1, 3 business days
    assert context["median_decision"] == 4
    html = response.content.decode()
    bars = re.findall(r'<rect x="\d+" y="(\d+)" width="40" height="(\d+)"', html)
    assert len(bars) == 12
    assert max(int(height) for _y, height in bars) == 120
    assert "<script" not in html.split('id="content"')[1]


def test_dashboard_query_count_is_bounded(travelled_client):
    def count():
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
            assert travelled_client.get(DASHBOARD).status_code == 200
        return len(queries)

    make_submission(received_at=NOW - timedelta(days=1))
    count()
    few = count()
    for day in range(60):
        make_submission(
            received_at=NOW - timedelta(days=day),
            first_contacted_at=NOW - timedelta(days=day) + timedelta(hours=30),
            status="closed" if day % 2 else "new",
            decided_at=NOW if day % 2 else None,
        )
    assert count() == few
    assert few <= 15


def test_dashboard_needs_the_permission(django_user_model):
    user = django_user_model.objects.create_user("itstaff", password="x" * 20, is_staff=True)
    assert verified_client(user).get(DASHBOARD).status_code == 403


def test_medians_of_an_even_count_and_of_many_submissions_on_the_same_days(travelled_client):
    """The medians are of every submission, however many share their days (statistics.median's rule)."""
    received = datetime(2026, 11, 16, 9, tzinfo=NY)  # a Monday
    # Decided 4 business days after (Friday 20th) three times, and 7 after (Wednesday 25th) once: median 4.
    for decided in [datetime(2026, 11, 20, 9, tzinfo=NY)] * 3 + [datetime(2026, 11, 25, 8, tzinfo=NY)]:
        make_submission(received_at=received, decided_at=decided, status="declined", decline_reason="other")
    # Contacted 1 business day after twice, 3 after twice: an even count, so the mean of the middle two.
    for contacted in [datetime(2026, 11, 17, 9, tzinfo=NY)] * 2 + [datetime(2026, 11, 19, 23, tzinfo=NY)] * 2:
        make_submission(received_at=received, first_contacted_at=contacted, status="in_review")
    # Late on Friday in New York is Saturday in UTC: still a Friday here (1 business day to Monday).
    make_submission(
        received_at=datetime(2026, 11, 20, 22, tzinfo=NY),
        first_contacted_at=datetime(2026, 11, 23, 9, tzinfo=NY),
        status="in_review",
    )
    with time_machine.travel(NOW, tick=False):
        context = travelled_client.get(DASHBOARD).context
    assert context["median_decision"] == 4
    assert context["median_first_contact"] == 1  # 1, 1, 1, 3, 3


def test_the_medians_read_their_own_partial_indexes(travelled_client):
    """At a million submissions the medians' range scans (first contact, decision) were sequential scans of the
    whole table, and each submission's business days were counted in Python one by one: 2.9 s for the dashboard.
    Each median now reads its partial index and one row per pair of days."""
    if connection.vendor != "postgresql":
        pytest.skip("index plans are PostgreSQL's")
    from tests.referrals.test_queue_scale import plan_of

    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        travelled_client.get(DASHBOARD)
    for column, index in [("first_contacted_at", "submission_contacted_idx"), ("decided_at", "submission_decided_idx")]:
        sql = next(q["sql"] for q in queries if f'"referrals_submission"."{column}" >=' in q["sql"])
        assert "GROUP BY" in sql, sql
        plan = plan_of(sql)
        assert index in plan, plan
