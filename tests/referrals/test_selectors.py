"""Reads that are more than a queryset method (referrals.selectors)."""

import statistics
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referrals import selectors

from .factories import make_submission

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")


def test_submission_for_form_token_finds_the_one_a_token_made():
    submission = make_submission()
    make_submission()
    assert selectors.submission_for_form_token(submission.form_token) == submission
    assert selectors.submission_for_form_token("no-such-token") is None
    assert selectors.submission_for_form_token("") is None


def test_likely_duplicates_are_the_other_open_submissions_for_the_same_patient_oldest_first():
    first = make_submission(
        patient_name="Lucia Perez", patient_dob=date(2016, 1, 2), received_at=datetime(2026, 1, 1, tzinfo=NY)
    )
    second = make_submission(
        patient_name="LUCIA PEREZ", patient_dob=date(2016, 1, 2), received_at=datetime(2026, 1, 2, tzinfo=NY)
    )
    third = make_submission(
        patient_name="lucia perez", patient_dob=date(2016, 1, 2), received_at=datetime(2026, 1, 3, tzinfo=NY)
    )
    make_submission(patient_name="Lucia Perez", patient_dob=date(2016, 1, 3))  # another child
    make_submission(patient_name="Lucia Perez", patient_dob=date(2016, 1, 2), status="closed")  # no longer open
    assert list(selectors.likely_duplicates(third)) == [first, second]
    assert list(selectors.likely_duplicates(first)) == [second, third]


def test_dashboard_figures_count_open_work_by_status_in_the_workflows_order_and_this_weeks_arrivals(settings):
    settings.TIME_ZONE = "America/New_York"
    make_submission(status="in_review")
    make_submission(status="new")
    make_submission(status="new")
    make_submission(status="closed")
    figures = selectors.dashboard_figures()
    assert [(str(label), count) for label, count in figures["open_by_status"]] == [
        ("New", 2),
        ("In review", 1),
        ("Awaiting records", 0),
    ]
    assert figures["open_total"] == 3
    assert len(figures["weekly"]) == 12
    assert figures["weekly"][-1][1] == 4


@given(st.lists(st.integers(min_value=0, max_value=40), max_size=60))
def test_the_median_of_counted_values_is_statistics_median(values):
    """The dashboard counts business days per pair of days; its median must be the one of every value."""
    expected = statistics.median(values) if values else None
    found = selectors._median(Counter(values))
    assert found == expected and type(found) is type(expected)
