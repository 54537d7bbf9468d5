"""Reads that are more than a queryset method: the form-token lookup, likely duplicates, dashboard figures.

Writes live in ``referrals.services``; simple filters are ``SubmissionQuerySet`` methods.
"""

import statistics
from datetime import datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone

from referrals.business_days import business_days_between
from referrals.models import Submission


def submission_for_form_token(token):
    """The submission a one-time form token already made, if any (a replayed POST)."""
    if not token:
        return None
    return Submission.objects.filter(form_token=token).only("pk", "confirmation_token").first()


def likely_duplicates(submission):
    """Other open submissions for the same patient (``SubmissionQuerySet.likely_duplicates_of``: one rule)."""
    return Submission.objects.likely_duplicates_of(submission).only("pk", "reference").order_by("received_at", "pk")


def weekly_counts(today):
    """Submissions per week (Monday-based) for the last 12 weeks, oldest first, in one query."""
    this_monday = today - timedelta(days=today.weekday())
    weeks = [this_monday - timedelta(weeks=n) for n in range(11, -1, -1)]
    start = timezone.make_aware(datetime.combine(weeks[0], time.min))
    rows = (
        Submission.objects.filter(received_at__gte=start)
        .annotate(week=TruncWeek("received_at"))
        .values("week")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_week = {}
    for row in rows:
        week = row["week"]
        week = timezone.localdate(week) if hasattr(week, "hour") else week
        by_week[week] = by_week.get(week, 0) + row["count"]
    return [(week, by_week.get(week, 0)) for week in weeks]


def _median_business_days(pairs):
    values = [business_days_between(timezone.localdate(start), timezone.localdate(end)) for start, end in pairs if end]
    return statistics.median(values) if values else None


def dashboard_figures(today=None):
    """What the intake dashboard shows: open work by status, overdue, 12 weeks of arrivals, median clocks (90 days)."""
    today = today or timezone.localdate()
    since = timezone.now() - timedelta(days=90)
    open_by_status = dict(
        Submission.objects.open()
        .values_list("status")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("status", "count")
    )
    return {
        "open_by_status": [
            (label, open_by_status.get(value, 0))
            for value, label in Submission.Status.choices
            if value in Submission.OPEN_STATUSES
        ],
        "open_total": sum(open_by_status.values()),
        "overdue": Submission.objects.overdue(today).count(),
        "weekly": weekly_counts(today),
        "median_first_contact": _median_business_days(
            Submission.objects.filter(first_contacted_at__gte=since).values_list("received_at", "first_contacted_at")
        ),
        "median_decision": _median_business_days(
            Submission.objects.filter(decided_at__gte=since).values_list("received_at", "decided_at")
        ),
    }
