"""Pictures of the product for the README: public pages, forms, confirmation and the coordinators' admin.

Written to ``screenshots/`` at the repository root (or $SCREENSHOT_DIR) as
``<name>-<width>.png``, at a phone's width (390 px) and a desktop's (1280 px).
"""

import re

import pytest
from playwright.sync_api import expect

from programs.models import Study
from referrals.forms import ReferralForm, SecondOpinionForm
from referrals.services import records

from .helpers import (
    DESKTOP,
    FAMILY_REQUEST,
    FORMS,
    MOBILE,
    URGENT_REFERRAL,
    make_coordinator,
    sign_in,
    submit_button,
    submit_directly,
    tiny_pdf,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["390", "1280"])
def test_screenshots(page, new_context, browser, live_server, program_content, shoot, viewport, mailoutbox):
    page.set_viewport_size(viewport)
    page.goto("/")
    shots = [shoot(page, "home")]

    for name, (path, _form_class) in FORMS.items():
        page.goto(path)
        shots.append(shoot(page, f"{name}-form"))
        submit_button(page).click()
        expect(page.get_by_role("alert").first).to_be_visible()
        shots.append(shoot(page, f"{name}-form-errors"))

    family = submit_directly(SecondOpinionForm, {**FAMILY_REQUEST, "contact_email": "maria@example.org"})
    page.goto(f"/received/{family.confirmation_token}/")
    shots.append(shoot(page, "confirmation"))

    # Closing the loop: a records link (from the email), then the status page with what was asked for.
    records.request_records(submission=family, items=["pathology", "insurance_card"], audience="submitter", by=None)
    link = re.search(r"https?://\S+(/records/[\w-]+/)", next(m for m in mailoutbox if "/records/" in m.body).body)
    page.goto(link.group(1))
    shots.append(shoot(page, "records-upload"))
    page.goto("/status/")
    page.get_by_label("Reference number").fill(family.reference)
    page.get_by_label("Patient's date of birth").fill(FAMILY_REQUEST["patient_dob"])
    page.get_by_role("button", name="Check the status").click()
    expect(page.locator('[aria-current="step"]')).to_have_count(1)
    shots.append(shoot(page, "status"))

    # Spanish: a browser that prefers it is offered it; the family question pages and the safety guidance in Spanish.
    offered = browser.new_context(base_url=live_server.url, locale="es-MX").new_page()
    offered.set_viewport_size(viewport)
    offered.goto("/")
    expect(offered.locator(".language-offer")).to_be_visible()
    shots.append(shoot(offered, "language-offer"))
    page.goto("/es/families/travel/")
    shots.append(shoot(page, "family-travel-es"))
    page.goto("/es/existing-patients/")
    shots.append(shoot(page, "contact-es"))

    # A recruiting study the urgent referral below matches (made up for the picture), shown on its change page.
    Study.objects.create(
        nct_number="NCT09999901",
        title="Example CD19 CAR T-cell study (made up for this picture)",
        phase=Study.Phase.PHASE_2,
        minimum_age="1 Year",
        maximum_age="25 Years",
        conditions="B-cell acute lymphoblastic leukemia",
        target_antigens="CD19",
        published=True,
    )
    submit_directly(SecondOpinionForm, {**FAMILY_REQUEST, "patient_name": "Ana Example", "diagnosis": "unsure"})
    urgent = submit_directly(
        ReferralForm, URGENT_REFERRAL, files=[("pathology-report.pdf", tiny_pdf()), ("flow-report.pdf", tiny_pdf())]
    )
    user, device = make_coordinator(f"dana{viewport['width']}")
    staff = new_context().new_page()
    staff.set_viewport_size(viewport)
    sign_in(staff, user, device)
    staff.goto("/admin/referrals/submission/")
    expect(staff.locator("#result_list")).to_contain_text(urgent.reference)
    shots.append(shoot(staff, "admin-queue"))
    staff.get_by_role("link", name=urgent.reference).click()
    expect(staff).to_have_url(re.compile(r"/admin/referrals/submission/\d+/change/"))
    shots.append(shoot(staff, "admin-change"))

    assert all(path.stat().st_size > 5_000 for path in shots)
