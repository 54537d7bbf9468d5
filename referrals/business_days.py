"""
Business-day arithmetic for the program's promises (first contact, review).

Pure functions on dates: weekends (Saturday, Sunday) and ``settings.HOLIDAYS``
(ISO dates) are not business days. Callers convert datetimes to the local date
first (``timezone.localdate``), so "received Friday evening" is a Friday.
"""

from datetime import date, timedelta

from django.conf import settings


def holidays() -> frozenset[date]:
    """The configured holidays, as dates (read at call time so tests can change them)."""
    return frozenset(date.fromisoformat(str(day)) for day in settings.HOLIDAYS)


def is_business_day(day: date, *, holiday_set=None) -> bool:
    if holiday_set is None:
        holiday_set = holidays()
    return day.weekday() < 5 and day not in holiday_set


def add_business_days(start: date, days: int) -> date:
    """The date ``days`` business days after ``start``.

    Counting starts the day after ``start``, so a submission received on a
    Friday with a one-day promise is due on Monday, and one received on a
    Saturday is due on Monday too. ``days == 0`` ("the same business day") gives
    ``start`` itself on a business day, else the next business day: an urgent
    referral received on Saturday is due on Monday.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    holiday_set = holidays()
    day = start
    if days == 0:
        while not is_business_day(day, holiday_set=holiday_set):
            day += timedelta(days=1)
        return day
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day, holiday_set=holiday_set):
            remaining -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """Business days after ``start`` up to and including ``end`` (0 when ``end <= start``).

    Received Friday, today Monday: 1 business day waiting.
    """
    if end <= start:
        return 0
    holiday_set = holidays()
    # Whole weeks first, so a long wait does not loop day by day.
    total_days = (end - start).days
    weeks, rest = divmod(total_days, 7)
    count = weeks * 5
    day = start + timedelta(days=weeks * 7)
    for _ in range(rest):
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    count -= sum(1 for holiday in holiday_set if start < holiday <= end and holiday.weekday() < 5)
    return count


def last_start_already_due(today: date, days: int) -> date:
    """The latest start date whose due date (``add_business_days(start, days)``) is before ``today``.

    Anything that started on or before this date is overdue today; used to turn
    "overdue" into a plain date comparison the database can run.
    """
    start = today - timedelta(days=1)
    while add_business_days(start, days) >= today:
        start -= timedelta(days=1)
    return start
