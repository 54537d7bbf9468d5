"""Reads that are more than a queryset method: the form-token lookup, likely duplicates, dashboard figures,
and the public status page's answer.

Writes live in ``referrals.services``; simple filters are ``SubmissionQuerySet`` methods.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, OuterRef, Subquery, Window
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from referrals.business_days import business_days_between
from referrals.models import RecordItem, RecordsRequest, StatusChange, Submission


def submission_for_form_token(token):
    """The submission a one-time form token already made, if any (a replayed POST)."""
    if not token:
        return None
    return Submission.objects.filter(form_token=token).only("pk", "confirmation_token").first()


def likely_duplicates(submission, limit=None):
    """Other open submissions for the same patient (``SubmissionQuerySet.likely_duplicates_of``: one rule), oldest first.

    With ``limit``: the oldest ``limit`` of them, each with ``total``, how many there are in all (one query).
    """
    found = Submission.objects.likely_duplicates_of(submission).only("pk", "reference").order_by("received_at", "pk")
    if limit is None:
        return found
    return found.annotate(total=Window(Count("pk")))[:limit]


def weekly_counts(today):
    """Submissions per week (Monday-based) for the last 12 weeks, oldest first, in one query."""
    this_monday = today - timedelta(days=today.weekday())
    weeks = [this_monday - timedelta(weeks=n) for n in range(11, -1, -1)]
    start = timezone.make_aware(datetime.combine(weeks[0], time.min))
    rows = (
        Submission.objects.filter(received_at__gte=start)
        .annotate(week=TruncWeek("received_at"))
        .values("week")
        .annotate(count=Count("*"))  # COUNT(*), not COUNT(id): an index-only scan of received_at's index
        .order_by()
    )
    by_week = {}
    for row in rows:
        week = row["week"]
        week = timezone.localdate(week) if hasattr(week, "hour") else week
        by_week[week] = by_week.get(week, 0) + row["count"]
    return [(week, by_week.get(week, 0)) for week in weeks]


def _median_business_days(reached, since):
    """The median business days from arrival to ``reached`` (a field) among submissions that reached it since ``since``.

    The database counts submissions per pair of local days (arrival, reached), so the work grows with the days in
    the window, not with the submissions: each pair's business days are counted once.
    """
    pairs = (
        Submission.objects.filter(**{f"{reached}__gte": since})
        .values(start=TruncDate("received_at"), end=TruncDate(reached))
        .annotate(count=Count("*"))  # COUNT(*), not COUNT(id): an index-only scan of the partial index
        .order_by()
    )
    counts = Counter()
    for pair in pairs:
        counts[business_days_between(pair["start"], pair["end"])] += pair["count"]
    return _median(counts)


def _median(counts):
    """``statistics.median`` of a multiset given as {value: how many times}: the middle value, or the mean of the
    middle two (a float) when there is an even number of them. None when empty."""
    total = sum(counts.values())
    if not total:
        return None
    positions = sorted({(total - 1) // 2, total // 2})  # one position when the count is odd
    middle, seen = [], 0
    for value in sorted(counts):
        seen += counts[value]
        while positions and positions[0] < seen:
            middle.append(value)
            positions.pop(0)
    return middle[0] if len(middle) == 1 else (middle[0] + middle[1]) / 2


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
        "median_first_contact": _median_business_days("first_contacted_at", since),
        "median_decision": _median_business_days("decided_at", since),
    }


@dataclass(frozen=True)
class RecordNeed:
    label: str
    received: bool


@dataclass(frozen=True)
class StatusAnswer:
    """Everything the public status page may show about a submission, and nothing else."""

    stage: Submission.Stage
    last_change: date
    final_stage: Submission.Stage = Submission.Stage.DECIDED  # what the progress list ends with while open
    needed: tuple["RecordNeed", ...] = ()  # the records asked for through a records link, and whether each arrived
    submission_id: int | None = None  # for the lookup's audit row only; never shown


def status_for(reference, dob):
    """The public answer for a reference number and the patient's date of birth, or None when they do not match.

    One query whether the reference is unknown or the date is wrong, so neither
    the answer nor its timing tells the two apart; two more only when the stage
    is "waiting for records" (the latest records link and its items' states).
    Only the columns the answer needs are read.
    """
    last_status_change = (
        StatusChange.objects.filter(submission=OuterRef("pk"), action=StatusChange.Action.STATUS)
        .order_by("-changed_at", "-pk")
        .values("changed_at")[:1]
    )
    submission = (
        Submission.objects.filter(reference=reference, patient_dob=dob)
        .only("pk", "status", "received_at", "kind")
        .annotate(last_status_at=Subquery(last_status_change))
        .first()
    )
    if submission is None:
        return None
    stage = submission.stage
    return StatusAnswer(
        stage=stage,
        last_change=timezone.localdate(submission.last_status_at or submission.received_at),
        final_stage=(
            Submission.Stage.ANSWERED
            if submission.kind == Submission.Kind.EXISTING_PATIENT
            else Submission.Stage.DECIDED
        ),
        needed=_records_needed(submission) if stage == Submission.Stage.AWAITING_RECORDS else (),
        submission_id=submission.pk,
    )


def _records_needed(submission):
    """The records a coordinator asked for through the latest records link (not revoked), each with whether it
    has arrived: ``((label, received), ...)`` in the order asked. Nothing when no link was sent."""
    request = (
        RecordsRequest.objects.filter(submission=submission, revoked_at__isnull=True)
        .order_by("-created_at", "-pk")
        .only("items")
        .first()
    )
    if request is None:
        return ()
    items = [item for item in request.items if item in RecordItem.Item.values]
    received = set(
        RecordItem.objects.filter(submission=submission, item__in=items)
        .exclude(state=RecordItem.State.MISSING)
        .values_list("item", flat=True)
    )
    return tuple(RecordNeed(str(RecordItem.Item(item).label), item in received) for item in items)
