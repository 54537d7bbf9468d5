"""axe-core on the coordinators' admin: sign-in, index, queue, a submission and the dashboard.

The issue asks for WCAG 2.2 AA on the public pages; coordinators get the same
bar, so a regression in the admin's look shows up here too.
"""

import pytest

from referrals.forms import ReferralForm

from .a11y import assert_no_axe_violations
from .helpers import URGENT_REFERRAL, make_coordinator, sign_in, submit_directly, tiny_pdf

pytestmark = pytest.mark.browser


def test_admin_pages_are_accessible(page, transactional_db, settings):
    settings.OTP_REQUIRED = True
    urgent = submit_directly(ReferralForm, URGENT_REFERRAL, files=[("pathology-report.pdf", tiny_pdf())])
    user, device = make_coordinator("dana")

    page.goto("/admin/login/")
    assert_no_axe_violations(page, "admin sign-in")
    sign_in(page, user, device)
    for label, url in [
        ("admin index", "/admin/"),
        ("queue", "/admin/referrals/submission/"),
        ("submission", f"/admin/referrals/submission/{urgent.pk}/change/"),
        ("dashboard", "/admin/dashboard/"),
    ]:
        response = page.goto(url)
        assert response.status == 200, url
        assert_no_axe_violations(page, label)
