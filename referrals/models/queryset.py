"""The coordinators' reads on submissions: the open queue, what is overdue, who owns what, likely duplicates."""

import json
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connections, models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Upper
from django.utils import timezone

from referrals import business_days


def _local_midnight_after(day: date) -> datetime:
    """The first instant of the day after ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


class SubmissionQuerySet(models.QuerySet):
    """The coordinators' reads: the open queue, what is overdue, who owns what."""

    def open(self):
        return self.filter(status__in=self.model.OPEN_STATUSES)

    @staticmethod
    def admitted_by_q(criteria):
        """``Q``: the patients one study's ``Criteria`` admit (``programs.matching``; the same fields as ``admits``)."""
        q = Q(age_months_at_submission__gte=criteria.min_months, diagnosis__in=criteria.diagnoses)
        if criteria.max_months is not None:
            q &= Q(age_months_at_submission__lte=criteria.max_months)
        if criteria.excluded_cd19:
            q &= ~Q(cd19_status__in=criteria.excluded_cd19)
        if criteria.excluded_cd22:
            q &= ~Q(cd22_status__in=criteria.excluded_cd22)
        return q

    def matching(self, criteria_list):
        """Submissions whose patient some study in ``criteria_list`` admits (none, for an empty list)."""
        q = Q(pk__in=[])
        for criteria in criteria_list:
            q |= self.admitted_by_q(criteria)
        return self.filter(q)

    def assigned_to(self, user):
        return self.filter(assigned_to=user)

    def unassigned(self):
        return self.filter(assigned_to__isnull=True)

    def overdue_q(self, today=None):
        """Open, and past a promise: first contact not made in time, or no decision in time after records arrived.

        Urgent referrals have their own first-contact promise (URGENT_FIRST_CONTACT_BUSINESS_DAYS).
        Business days become plain datetime comparisons: anything received on or
        before the last start date already due is overdue (see business_days).
        """
        today = today or timezone.localdate()

        def cutoff(days):
            return _local_midnight_after(business_days.last_start_already_due(today, days))

        urgent = Q(urgency=self.model.Urgency.URGENT)
        contact_late = Q(first_contacted_at__isnull=True) & (
            (~urgent & Q(received_at__lt=cutoff(settings.FIRST_CONTACT_BUSINESS_DAYS)))
            | (urgent & Q(received_at__lt=cutoff(settings.URGENT_FIRST_CONTACT_BUSINESS_DAYS)))
        )
        return Q(status__in=self.model.OPEN_STATUSES) & (
            contact_late
            | Q(records_completed_at__lt=cutoff(settings.REVIEW_BUSINESS_DAYS))
            | self.records_follow_up_due_q(today, overdue=True)
        )

    def records_follow_up_due_q(self, today=None, *, overdue=False):
        """Waiting for requested records and due for a follow-up (``overdue``: past it) on ``today``."""
        today = today or timezone.localdate()
        day = today if overdue else today + timedelta(days=1)
        cutoff = _local_midnight_after(
            business_days.last_start_already_due(day, settings.RECORDS_FOLLOW_UP_BUSINESS_DAYS)
        )
        return Q(status=self.model.Status.AWAITING_RECORDS, records_requested_at__lt=cutoff)

    def overdue(self, today=None):
        return self.filter(self.overdue_q(today))

    def not_overdue(self, today=None):
        return self.exclude(self.overdue_q(today))

    def _open_for_patient(self, name, dob):
        """The one "likely duplicate" rule: open, same date of birth, same patient name ignoring case."""
        return (
            self.model._default_manager.open()
            .annotate(upper_name=Upper("patient_name"))
            .filter(upper_name=Upper(name), patient_dob=dob)
        )

    def likely_duplicates_of(self, submission):
        """Other open submissions that look like the same patient as ``submission``."""
        others = self._open_for_patient(Value(submission.patient_name), submission.patient_dob)
        return self.filter(pk__in=others.values("pk")).exclude(pk=submission.pk)

    def with_duplicate_flag(self):
        """``is_likely_duplicate``: another submission is a likely duplicate (``likely_duplicates_of``'s rule)."""
        others = self._open_for_patient(OuterRef("patient_name"), OuterRef("patient_dob")).exclude(pk=OuterRef("pk"))
        return self.annotate(is_likely_duplicate=Exists(others))

    def for_queue(self, today=None):
        """Annotations for the coordinators' list: duplicate flag, overdue flag, and the default order.

        Urgent open submissions first, then overdue ones, then the rest of the
        open queue, then closed ones; the oldest first within each group.
        ``QUEUE_ORDERING`` puts ``open_rank`` first: the same order (only open
        submissions are urgent-ranked or overdue), and a filter to open or to
        closed submissions makes every rank constant (see ``queue_ordering``).
        """
        open_q = Q(status__in=self.model.OPEN_STATUSES)
        return (
            self.with_duplicate_flag()
            .annotate(
                is_overdue=Case(When(self.overdue_q(today), then=Value(True)), default=Value(False)),
                urgent_rank=Case(When(open_q & Q(urgency=self.model.Urgency.URGENT), then=Value(0)), default=Value(1)),
                open_rank=Case(When(open_q, then=Value(0)), default=Value(1)),
            )
            .order_by(*self.queue_ordering())
        )

    QUEUE_ORDERING = ("open_rank", "urgent_rank", "-is_overdue", "received_at", "pk")

    def queue_ordering(self, statuses=None):
        """``for_queue``'s order for a list limited to ``statuses`` (None: any), without the ranks that are constant there.

        Closed submissions only: every rank is constant, so "oldest first" is the
        whole order, which the ``received_at`` index serves without a sort. Open
        only: ``open_rank`` is constant and the sort covers the open rows alone.
        """
        ordering = list(self.QUEUE_ORDERING)
        if statuses is None:
            return ordering
        open_statuses = set(self.model.OPEN_STATUSES)
        if not open_statuses & set(statuses):
            return ["received_at", "pk"]
        if set(statuses) <= open_statuses:
            ordering.remove("open_rank")
        return ordering

    def queue_count(self, limit):
        """``(count, estimated)``: exact up to ``limit`` rows; past it, on PostgreSQL, the planner's estimate.

        Counting a million rows reads them all; counting at most ``limit + 1``
        stops there, and past it the planner's row estimate (one EXPLAIN, no
        rows read) is close enough for "about N". SQLite always counts exactly.
        """
        if connections[self.db].vendor != "postgresql":
            return self.count(), False
        rows = self.order_by().values("pk")
        exact = rows[: limit + 1].count()
        if exact <= limit:
            return exact, False
        sql, params = rows.query.sql_with_params()
        with connections[self.db].cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        # Never less than what was just counted.
        return max(int(plan[0]["Plan"]["Plan Rows"]), exact), True
