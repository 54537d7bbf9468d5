from datetime import date

import pytest

from referrals.business_days import add_business_days, business_days_between, is_business_day, last_start_already_due

# November 2026: Fri 20, Sat 21, Sun 22, Mon 23, Thu 26 = Thanksgiving, Fri 27.
FRI, SAT, SUN, MON, TUE = (date(2026, 11, d) for d in (20, 21, 22, 23, 24))


@pytest.fixture(autouse=True)
def _holidays(settings):
    settings.HOLIDAYS = ["2026-11-26", "2026-12-25"]


def test_weekends_and_holidays_are_not_business_days():
    assert is_business_day(FRI)
    assert not is_business_day(SAT)
    assert not is_business_day(SUN)
    assert not is_business_day(date(2026, 11, 26))


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (MON, 0, MON),
        (MON, 1, TUE),
        (FRI, 1, MON),  # over the weekend
        (SAT, 1, MON),  # received on a Saturday
        (SUN, 1, MON),
        (FRI, 2, TUE),
        (date(2026, 11, 25), 1, date(2026, 11, 27)),  # skips Thanksgiving
        (date(2026, 11, 25), 2, date(2026, 11, 30)),  # holiday and weekend
        (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas Friday, then weekend
    ],
)
def test_add_business_days(start, days, expected):
    assert add_business_days(start, days) == expected


def test_add_negative_days_is_refused():
    with pytest.raises(ValueError):
        add_business_days(MON, -1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (MON, MON, 0),
        (TUE, MON, 0),
        (FRI, SAT, 0),
        (FRI, MON, 1),
        (SAT, MON, 1),
        (MON, date(2026, 11, 30), 4),  # Tue, Wed, Fri, Mon (Thanksgiving skipped)
        (date(2026, 1, 5), date(2026, 3, 2), 40),  # long waits: whole weeks
    ],
)
def test_business_days_between(start, end, expected):
    assert business_days_between(start, end) == expected


def test_business_days_between_agrees_with_add_business_days():
    start = date(2026, 11, 1)
    for days in range(1, 40):
        assert business_days_between(start, add_business_days(start, days)) == days


def test_zero_days_is_the_same_business_day_or_the_next_one():
    # The urgent promise ("the same business day"): a business day is its own due date; a weekend rolls to Monday.
    assert add_business_days(MON, 0) == MON
    assert add_business_days(FRI, 0) == FRI
    assert add_business_days(SAT, 0) == date(2026, 11, 23)
    assert add_business_days(SUN, 0) == date(2026, 11, 23)


def test_last_start_already_due():
    # On Monday, a one-day promise is late for Thursday's submissions, not Friday's.
    assert last_start_already_due(MON, 1) == date(2026, 11, 19)
    # On Tuesday, Friday's is late (due Monday) but Saturday's... is due Monday too.
    assert last_start_already_due(TUE, 1) == SUN
    for start in (date(2026, 11, d) for d in range(1, 30)):
        cutoff = last_start_already_due(TUE, 2)
        assert (add_business_days(start, 2) < TUE) == (start <= cutoff)
