"""The urgent pathway's clock: an urgent referral is due the same business day, the next one after a day off."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from referrals.models import Submission

from .factories import make_submission

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
FRI, SAT, SUN, MON, TUE = (date(2026, 11, d) for d in (20, 21, 22, 23, 24))


def received(day, hour=15, **fields):
    return make_submission(received_at=datetime(day.year, day.month, day.day, hour, tzinfo=NY), **fields)


def overdue_refs(today):
    return set(Submission.objects.overdue(today).values_list("reference", flat=True))


def test_urgent_on_friday_is_due_friday_and_overdue_on_monday():
    urgent = received(FRI, urgency="urgent")
    routine = received(FRI)
    assert urgent.first_contact_days() == 0
    assert urgent.first_contact_due() == FRI
    assert routine.first_contact_due() == MON
    assert urgent.due_state(today=FRI) == ("due_today", FRI)
    assert urgent.due_state(today=MON) == ("overdue", FRI)
    assert routine.due_state(today=MON) == ("due_today", MON)
    assert overdue_refs(FRI) == set()
    assert overdue_refs(MON) == {urgent.reference}
    assert overdue_refs(TUE) == {urgent.reference, routine.reference}


def test_urgent_over_the_weekend_is_due_monday_not_overdue_until_tuesday():
    saturday = received(SAT, hour=9, urgency="urgent")
    sunday = received(SUN, hour=23, urgency="urgent")
    for submission in (saturday, sunday):
        assert submission.first_contact_due() == MON
        assert submission.due_state(today=MON) == ("due_today", MON)
        assert submission.due_state(today=TUE) == ("overdue", MON)
    assert overdue_refs(MON) == set()
    assert overdue_refs(TUE) == {saturday.reference, sunday.reference}


def test_a_holiday_monday_moves_the_urgent_clock_to_tuesday(settings):
    settings.HOLIDAYS = [MON.isoformat()]
    urgent = received(SAT, urgency="urgent")
    assert urgent.first_contact_due() == TUE
    assert overdue_refs(TUE) == set()
    assert overdue_refs(date(2026, 11, 25)) == {urgent.reference}


def test_contacting_the_family_stops_the_urgent_clock():
    urgent = received(FRI, urgency="urgent", first_contacted_at=datetime(2026, 11, 20, 16, tzinfo=NY))
    assert urgent.due_state(today=MON) == ("", None)
    assert overdue_refs(MON) == set()


def test_the_urgent_promise_is_a_setting(settings):
    settings.URGENT_FIRST_CONTACT_BUSINESS_DAYS = 1
    urgent = received(FRI, urgency="urgent")
    assert urgent.first_contact_due() == MON
    assert overdue_refs(MON) == set()
    assert overdue_refs(TUE) == {urgent.reference}


def test_the_queue_on_monday_lists_the_weekends_urgent_referral_first_and_fridays_as_overdue(coordinator_client):
    routine_old = received(date(2026, 11, 16))  # overdue since Wednesday
    urgent_friday = received(FRI, urgency="urgent")
    urgent_saturday = received(SAT, urgency="urgent")
    with time_machine.travel(datetime(2026, 11, 23, 10, tzinfo=NY), tick=False):
        response = coordinator_client.get(reverse("admin:referrals_submission_changelist"))
        html = response.content.decode()
        order = [html.index(s.reference) for s in (urgent_friday, urgent_saturday, routine_old)]
        assert order == sorted(order)  # urgent first (the overdue one before the one due today), then the rest
        rows = {
            s.reference: html.split(s.reference, 1)[1].split("</tr>", 1)[0] for s in (urgent_friday, urgent_saturday)
        }
        assert "Overdue" in rows[urgent_friday.reference]
        assert "Due today" in rows[urgent_saturday.reference]
        overdue_page = coordinator_client.get(reverse("admin:referrals_submission_changelist") + "?overdue=yes")
        listed = overdue_page.content.decode()
        assert urgent_friday.reference in listed and routine_old.reference in listed
        assert urgent_saturday.reference not in listed


def test_the_referral_form_states_the_urgent_promise(client, settings):
    html = client.get(reverse("referrals:refer")).content.decode()
    assert "Mark it urgent and a coordinator will call your office the same business day." in html
    settings.URGENT_FIRST_CONTACT_BUSINESS_DAYS = 2
    html = client.get(reverse("referrals:refer")).content.decode()
    assert "call your office within 2 business days." in html
