"""The program's promises to the people who write in, as clocks on a Submission (see referrals.business_days).

First contact (urgent referrals have their own, shorter promise), the records
follow-up after a records request, and the decision after records are complete.
The queue shows the earliest running clock; ``SubmissionQuerySet.overdue_q`` is
the same rule as a database filter.
"""

from django.conf import settings
from django.utils import timezone

from referrals.business_days import add_business_days, business_days_between


class SubmissionClocks:
    """Mixed into Submission: needs its status, urgency and the timestamps the clocks start from."""

    @property
    def is_urgent(self):
        return self.urgency == self.Urgency.URGENT

    def first_contact_days(self):
        """The first-contact promise in business days: URGENT_FIRST_CONTACT_BUSINESS_DAYS for urgent referrals."""
        if self.is_urgent:
            return settings.URGENT_FIRST_CONTACT_BUSINESS_DAYS
        return settings.FIRST_CONTACT_BUSINESS_DAYS

    def first_contact_due(self):
        """The local date by which the family must be contacted (``first_contact_days`` after receipt)."""

        return add_business_days(timezone.localdate(self.received_at), self.first_contact_days())

    def review_due(self):
        """The local date by which a decision is due (REVIEW_BUSINESS_DAYS after records complete), or None."""

        if self.records_completed_at is None:
            return None
        return add_business_days(timezone.localdate(self.records_completed_at), settings.REVIEW_BUSINESS_DAYS)

    def business_days_waiting(self, today=None):
        return business_days_between(timezone.localdate(self.received_at), today or timezone.localdate())

    def records_follow_up_due(self):
        """While waiting for requested records: RECORDS_FOLLOW_UP_BUSINESS_DAYS after the request, else None."""
        if self.status != self.Status.AWAITING_RECORDS or self.records_requested_at is None:
            return None
        return add_business_days(
            timezone.localdate(self.records_requested_at), settings.RECORDS_FOLLOW_UP_BUSINESS_DAYS
        )

    def next_clock(self, today=None):
        """``(clock, state, due date)`` of the earliest running promise, or ``("", "", None)``.

        clock is "first_contact", "records_follow_up" or "decision"; state is
        "overdue", "due_today" or "due".
        """
        today = today or timezone.localdate()
        if not self.is_open:
            return "", "", None
        clocks = [
            ("first_contact", self.first_contact_due() if self.first_contacted_at is None else None),
            ("records_follow_up", self.records_follow_up_due()),
            ("decision", self.review_due()),
        ]
        running = [(due, clock) for clock, due in clocks if due is not None]
        if not running:
            return "", "", None
        due, clock = min(running)
        state = "overdue" if due < today else "due_today" if due == today else "due"
        return clock, state, due

    def due_state(self, today=None):
        """``(state, due date)`` for the queue's badge: state is "overdue", "due_today", "due" or "" (nothing due)."""
        _clock, state, due = self.next_clock(today)
        return state, due
