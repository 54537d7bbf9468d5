"""axe-core on the status page (issue #9): the form, a found answer and the neutral "not found" answer, in
English and Spanish, on a desktop and a phone."""

from datetime import date

import pytest
from playwright.sync_api import expect

from referrals.forms import StatusLookupForm
from referrals.models import RecordItem, Submission
from referrals.services import records
from tests.referrals.factories import make_submission

from .a11y import assert_no_axe_violations, assert_reflows, assert_structure, assert_text_resizes, assert_touch_targets
from .helpers import DESKTOP, MOBILE, field, tr

pytestmark = pytest.mark.browser

REFERENCE = "CIP-7KQ2-9XHD"
DOB = date(2014, 8, 21)


@pytest.fixture
def awaiting_records(transactional_db, settings):
    # Every request comes from 127.0.0.1: the lookups' limits must not trip across the test.
    settings.STATUS_LOOKUPS_PER_CLIENT = 10_000
    settings.STATUS_LOOKUPS_PER_REFERENCE = 10_000
    submission = make_submission(reference=REFERENCE, patient_dob=DOB, status=Submission.Status.IN_REVIEW)
    # A coordinator asks for all five records through a records link: the answer lists them.
    records.request_records(submission=submission, items=RecordItem.Item.values, audience="clinician", by=None)
    return submission


def _check(page, language, label):
    assert_structure(page, language)
    assert_no_axe_violations(page, label)
    assert_touch_targets(page)
    assert_text_resizes(page)
    page.set_viewport_size(MOBILE)
    assert_touch_targets(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{label}: {overflow}px of horizontal scrolling at 390px"
    assert_no_axe_violations(page, f"{label} at 390px")
    assert_reflows(page)
    page.set_viewport_size(DESKTOP)


def _look_up(page, language, reference, dob):
    field(page, StatusLookupForm, "reference", language).fill(reference)
    field(page, StatusLookupForm, "patient_dob", language).fill(dob.isoformat())
    page.get_by_role("button", name=tr("Check the status", language), exact=True).click()


@pytest.mark.parametrize("language", ["en", "es"])
def test_status_page_is_accessible(page, awaiting_records, language):
    page.goto("/status/" if language == "en" else "/es/status/")
    _check(page, language, "status form")

    # Found (typed in lower case, with spaces): the answer's heading takes the focus, one stage is current.
    _look_up(page, language, "cip 7kq2 9xhd", DOB)
    heading = page.get_by_role("heading", name=tr("Where your request stands", language), exact=True)
    expect(heading).to_be_focused()
    expect(page.locator('[aria-current="step"]')).to_have_count(1)
    with_records = page.locator(".status-needed li")
    expect(with_records).to_have_count(5)
    _check(page, language, "status found")

    # Not found: the neutral answer, in the error summary, which takes the focus.
    page.get_by_role("link", name=tr("Check another request", language)).click()
    _look_up(page, language, REFERENCE, date(2014, 8, 22))
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading"))
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.locator('[aria-current="step"]')).to_have_count(0)
    _check(page, language, "status not found")
