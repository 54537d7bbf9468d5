"""Registry age limits (programs.ages): reading them, the months they admit, and how studies use them."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from programs.ages import AgeLimit, parse_age, validate_age_limit
from programs.models import Study


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("1 Year", 1, "year"),
        ("21 Years", 21, "year"),
        ("1 Month", 1, "month"),
        ("18 Months", 18, "month"),
        ("1 Week", 1, "week"),
        ("6 Weeks", 6, "week"),
        ("1 Day", 1, "day"),
        ("28 Days", 28, "day"),
        ("12 Hours", 12, "hour"),
        ("30 Minutes", 30, "minute"),
        ("3 years", 3, "year"),
        ("3 YEARS", 3, "year"),
        ("2 year", 2, "year"),  # singular and plural alike, whatever the number
        ("1 Months", 1, "month"),
        ("  6  months ", 6, "month"),
        ("0 Years", 0, "year"),
    ],
)
def test_every_unit_singular_or_plural_in_any_case(text, amount, unit):
    assert parse_age(text) == AgeLimit(amount, unit)


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        (AgeLimit(1, "year"), "1 Year"),
        (AgeLimit(21, "year"), "21 Years"),
        (AgeLimit(18, "month"), "18 Months"),
        (AgeLimit(1, "week"), "1 Week"),
        (AgeLimit(28, "day"), "28 Days"),
    ],
)
def test_written_back_in_the_registrys_spelling(limit, text):
    assert str(limit) == text
    assert str(parse_age(text.lower())) == text


@pytest.mark.parametrize("text", ["", "   ", "N/A", "n/a", "NA", "None", None])
def test_no_limit(text):
    assert parse_age(text) is None
    validate_age_limit(text)


@pytest.mark.parametrize(
    ("text", "as_minimum", "as_maximum"),
    [
        ("1 Year", 12, 23),  # a maximum in years runs to the last month of that year
        ("21 Years", 252, 263),
        ("0 Years", 0, 11),
        ("18 Months", 18, 18),  # months are exact, as a minimum and as a maximum
        ("6 Months", 6, 6),
        ("0 Months", 0, 0),
        ("6 Weeks", 1, 2),  # 42 days: 1.38 months, rounded so no admitted patient is left out
        ("28 Days", 0, 1),
        ("1 Day", 0, 1),
        ("12 Hours", 0, 1),
    ],
)
def test_months_as_minimum_and_maximum(text, as_minimum, as_maximum):
    limit = parse_age(text)
    assert limit.months(as_maximum=False) == as_minimum
    assert limit.months(as_maximum=True) == as_maximum


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("1 Year", "1 year"),
        ("25 Years", "25 years"),
        ("1 Month", "1 month"),
        ("18 Months", "18 months"),
        ("1 Week", "1 week"),
        ("6 Weeks", "6 weeks"),
        ("1 Day", "1 day"),
        ("28 Days", "28 days"),
    ],
)
def test_display_for_readers(text, shown):
    # Spanish comes from the catalogue (locale/), checked with the other translations.
    assert parse_age(text).display() == shown


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("eighteen", "invalid_age"),
        ("18", "invalid_age"),
        ("Years", "invalid_age"),
        ("18 Moons", "invalid_age"),
        ("-1 Years", "invalid_age"),
        ("1.5 Years", "invalid_age"),
        ("18 Months 2 Weeks", "invalid_age"),
        ("12345 Days", "invalid_age"),  # more digits than any registry writes
        ("121 Years", "age_too_old"),
        ("1500 Months", "age_too_old"),
    ],
)
def test_refused_with_the_text_named(text, code):
    with pytest.raises(ValidationError) as excinfo:
        parse_age(text)
    assert excinfo.value.code == code
    assert f"“{text}”" in excinfo.value.messages[0]


def test_one_hundred_and_twenty_years_is_the_oldest_limit():
    assert parse_age("120 Years") == AgeLimit(120, "year")
    assert parse_age("1440 Months") == AgeLimit(1440, "month")
    with pytest.raises(ValidationError):
        parse_age("1441 Months")


def study(nct, minimum, maximum):
    return Study(
        nct_number=nct, title="t", phase=Study.Phase.PHASE_1, minimum_age=minimum, maximum_age=maximum, conditions="c"
    )


@pytest.mark.parametrize(
    ("minimum", "maximum", "text"),
    [
        ("1 Year", "25 Years", "1 year to 25 years"),
        ("18 Months", "", "18 months and older"),
        ("0 Years", "", "any age"),
        ("0 Years", "6 Months", "birth to 6 months"),
        ("28 Days", "N/A", "28 days and older"),
        ("6 Weeks", "18 Months", "6 weeks to 18 months"),
    ],
)
def test_age_range_display(minimum, maximum, text):
    assert study("NCT00000001", minimum, maximum).age_range_display() == text


@pytest.mark.django_db
def test_save_keeps_the_months_in_step_with_the_text():
    row = study("NCT00000001", "18 Months", "")
    row.save()
    assert (row.min_age_months, row.max_age_months) == (18, None)
    row.minimum_age, row.maximum_age = "1 Year", "2 Years"
    row.save()
    row.refresh_from_db()
    assert (row.min_age_months, row.max_age_months) == (12, 35)


@pytest.mark.django_db
def test_for_age_with_no_maximum_and_month_limits():
    study("NCT00000001", "18 Months", "").save()  # no upper limit
    study("NCT00000002", "6 Weeks", "18 Months").save()  # 1 to 18 months
    study("NCT00000003", "3 Years", "21 Years").save()

    def found(age):
        return sorted(Study.objects.for_age(age).values_list("nct_number", flat=True))

    assert found(0) == ["NCT00000002"]  # some month of the first year is inside 1 to 18 months
    assert found(1) == ["NCT00000001", "NCT00000002"]  # 18 months is inside the second year
    assert found(2) == ["NCT00000001"]
    assert found(21) == ["NCT00000001", "NCT00000003"]
    assert found(22) == ["NCT00000001"]
    assert found(99) == ["NCT00000001"]


@pytest.mark.django_db
def test_admits_age_months_at_the_edges():
    row = study("NCT00000001", "18 Months", "21 Years")
    row.save()
    assert not row.admits_age_months(17)
    assert row.admits_age_months(18)
    assert row.admits_age_months(21 * 12 + 11)
    assert not row.admits_age_months(22 * 12)
    open_ended = study("NCT00000002", "1 Year", "")
    open_ended.save()
    assert open_ended.admits_age_months(12 * 80)


@pytest.mark.parametrize(
    ("minimum", "maximum", "text"),
    [
        ("18 Months", "25 Years", "de 18 meses a 25 años"),
        ("0 Years", "21 Years", "del nacimiento a 21 años"),
        ("1 Year", "", "desde 1 año"),
        ("6 Weeks", "1 Year", "de 6 semanas a 1 año"),
    ],
)
def test_age_range_display_in_spanish(minimum, maximum, text):
    with translation.override("es"):
        assert study("NCT00000001", minimum, maximum).age_range_display() == text
