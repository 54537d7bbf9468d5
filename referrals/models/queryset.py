"""The coordinators' reads on submissions: the open queue, what is overdue, who owns what, likely duplicates."""

import json
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import EmptyResultSet
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
        return Q(status__in=self.model.OPEN_STATUSES) & self._late_q(today)

    def _late_q(self, today=None):
        """``overdue_q`` without its "open": a promise past (the queue's parts add the status condition once)."""
        today = today or timezone.localdate()

        def cutoff(days):
            return _local_midnight_after(business_days.last_start_already_due(today, days))

        urgent = Q(urgency=self.model.Urgency.URGENT)
        contact_late = Q(first_contacted_at__isnull=True) & (
            (~urgent & Q(received_at__lt=cutoff(settings.FIRST_CONTACT_BUSINESS_DAYS)))
            | (urgent & Q(received_at__lt=cutoff(settings.URGENT_FIRST_CONTACT_BUSINESS_DAYS)))
        )
        return (
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

    def _open_for_patient(self, name, dob, among=None):
        """The one "likely duplicate" rule: open, same date of birth, same patient name ignoring case.

        ``among``: the queryset to filter (all submissions unless given).
        """
        among = self.model._default_manager.all() if among is None else among
        return among.open().annotate(upper_name=Upper("patient_name")).filter(upper_name=Upper(name), patient_dob=dob)

    def likely_duplicates_of(self, submission):
        """Other open submissions that look like the same patient as ``submission``.

        The rule filters this queryset itself, so PostgreSQL reads the open duplicate index once. As
        ``pk IN (the rule's rows)`` the table was joined to itself, and a table the planner had no statistics
        for yet was planned as a scan of every row per row (17 s for one change page at 8,000 rows).
        """
        return self._open_for_patient(Value(submission.patient_name), submission.patient_dob, among=self).exclude(
            pk=submission.pk
        )

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

    def queue_parts(self, statuses=None, today=None):
        """``queue_ordering(statuses)`` as consecutive parts, each in ``(received_at, pk)`` order: a list of ``Q``.

        Urgent and overdue, urgent, overdue, the rest of the open queue, then closed
        submissions (when listed): the queue's order, part after part. None when the
        order is ``(received_at, pk)`` already (closed submissions only).
        """
        ordering = self.queue_ordering(statuses)
        if ordering == ["received_at", "pk"]:
            return None
        urgent = self.model.Urgency.URGENT
        others = [value for value in self.model.Urgency.values if value != urgent]
        # An equality where it can be one, so the open queue's index (urgency, received_at) gives each part in order.
        routine = Q(urgency=others[0]) if len(others) == 1 else Q(urgency__in=others)
        late = self._late_q(today)
        parts = [Q(urgency=urgent) & late, Q(urgency=urgent) & ~late, routine & late, routine & ~late]
        if "open_rank" not in ordering:
            # A list of open submissions says so in its own filter (said twice, the planner would count it twice).
            return parts
        open_q = Q(status__in=self.model.OPEN_STATUSES)
        return [open_q & part for part in parts] + [~open_q]

    def page_pks(self, parts, offset, limit):
        """The pks of rows ``offset`` to ``offset + limit`` in the order ``parts`` make (``queue_parts``), in one query.

        Sorting the whole open queue for each page reads every open row: a cost that
        grows with the table (3% of a million rows). Here each part contributes its
        first ``offset + limit`` rows in ``(received_at, pk)`` order, a walk along the
        ``submission_open_queue_idx`` index that stops there, and the page is taken from
        those few rows. PostgreSQL only: SQLite allows no LIMIT inside a UNION.
        """
        rows = self.order_by().values("received_at", "pk")
        firsts = [
            rows.filter(q)
            .annotate(part=Value(index))
            .values("part", "received_at", "pk")
            .order_by("received_at", "pk")[: offset + limit]
            for index, q in enumerate(parts)
        ]
        page = firsts[0].union(*firsts[1:], all=True).order_by("part", "received_at", "pk")[offset : offset + limit]
        return [row["pk"] for row in page]

    def queue_count(self, limit):
        """``(count, estimated)``: exact up to ``limit`` rows; past it, on PostgreSQL, the planner's estimate.

        Counting a million rows reads them all; counting at most ``limit + 1``
        stops there, and past it the planner's row estimate (one EXPLAIN, no
        rows read) is close enough for "about N". SQLite always counts exactly.
        The EXPLAIN runs under the limit too (a fraction of a millisecond): the
        queue then runs the same queries at ten thousand rows as at a million.
        """
        if connections[self.db].vendor != "postgresql":
            return self.count(), False
        rows = self.order_by().values("pk")
        exact = rows[: limit + 1].count()
        try:
            sql, params = rows.query.sql_with_params()
        except EmptyResultSet:  # a filter nothing can match (an empty IN): Django counted it without a query too
            return exact, False
        with connections[self.db].cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        if exact <= limit:
            return exact, False
        plan = json.loads(plan) if isinstance(plan, str) else plan
        # Never less than what was just counted.
        return max(int(plan[0]["Plan"]["Plan Rows"]), exact), True
