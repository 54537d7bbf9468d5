"""In a browser: a physician refers a patient for a recruiting study, and staff import studies from the registry.

axe-core checks each new page: the referral form naming a study (fresh and with errors), the studies list, the
import page (fresh and with errors) and the queue filtered on study match.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from programs.models import Study
from referrals.forms import ReferralForm

from .a11y import assert_no_axe_violations
from .helpers import URGENT_REFERRAL, make_coordinator, sign_in, submit_button, submit_directly

pytestmark = pytest.mark.browser

REGISTRY = Path(__file__).resolve().parent.parent / "programs" / "registry"


def recruiting_study():
    return Study.objects.create(
        nct_number="NCT09999902",
        title="A CD19 CAR T-cell study (made up for this test)",
        phase=Study.Phase.PHASE_2,
        minimum_age="1 Year",
        maximum_age="25 Years",
        conditions="B-cell acute lymphoblastic leukemia",
        target_antigens="CD19",
        eligibility_summary="Children and young adults whose B-ALL came back.",
        contact="Our coordinators.",
        published=True,
    )


def test_a_physician_refers_a_patient_for_a_recruiting_study(page, transactional_db):
    study = recruiting_study()
    page.goto(study.get_absolute_url())
    page.get_by_role("link", name="Refer a patient for this study").click()
    note = page.get_by_role("note").filter(has_text="This referral is for the clinical study NCT09999902")
    expect(note).to_be_visible()
    expect(note.get_by_role("link", name=study.title)).to_have_attribute("href", study.get_absolute_url())
    assert_no_axe_violations(page, "referral form naming a study")
    submit_button(page).click()  # empty: errors, and the study stays named
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(note).to_be_visible()
    assert_no_axe_violations(page, "referral form naming a study, with errors")


def test_staff_import_studies_and_filter_the_queue_on_matches(page, transactional_db, settings):
    settings.OTP_REQUIRED = True
    user, device = make_coordinator("studies")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="programs", codename__in=["add_study", "change_study"])
    )
    sign_in(page, user, device)
    page.goto("/admin/programs/study/")
    page.get_by_role("link", name="Import from ClinicalTrials.gov").click()
    assert_no_axe_violations(page, "study import page")
    page.get_by_role("button", name="Import").click()  # no file chosen
    expect(page.locator(".errornote")).to_be_visible()
    assert_no_axe_violations(page, "study import page with errors")
    page.get_by_label("Registry files").set_input_files(str(REGISTRY / "eliana.json"))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".messagelist").last).to_contain_text("created: 1")
    expect(page.locator("#result_list")).to_contain_text("NCT02435849")
    assert_no_axe_violations(page, "studies list after an import")

    recruiting_study()
    urgent = submit_directly(ReferralForm, URGENT_REFERRAL)
    page.goto("/admin/referrals/submission/?study_match=any")
    expect(page.locator("#result_list")).to_contain_text(urgent.reference)
    assert_no_axe_violations(page, "queue filtered on study match")
