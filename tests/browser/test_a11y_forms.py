"""axe-core on each public form, empty and with errors, and on the confirmation page, in English and Spanish."""

import re

import pytest
from playwright.sync_api import expect

from .a11y import assert_no_axe_violations, assert_reflows, assert_structure, assert_text_resizes, assert_touch_targets
from .helpers import FORMS, MOBILE, choice, field, option_label, reference_on_page, submit_button, tr

pytestmark = pytest.mark.browser


def _prefix(language):
    return "" if language == "en" else "/es"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("form_name", list(FORMS))
def test_form_is_accessible_empty_and_with_errors(page, form_name, language):
    path, form_class = FORMS[form_name]
    page.goto(_prefix(language) + path)
    assert_structure(page, language)
    assert_no_axe_violations(page, f"{form_name} empty")
    assert_touch_targets(page)
    assert_text_resizes(page)

    # Sent empty: the error summary is announced and every field says what is wrong.
    submit_button(page, language).click()
    # is_visible() does not wait: the click only starts the POST, so wait for the answer page.
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading"))
    expect(summary).to_be_visible()
    links = summary.get_by_role("link")
    assert links.count() >= 3
    assert_structure(page, language)
    assert_no_axe_violations(page, f"{form_name} with errors")
    assert_touch_targets(page)

    # Each field in error points at its message: itself, or its group's <fieldset> for radio buttons.
    unexplained = page.evaluate(
        """() => [...document.querySelectorAll('[aria-invalid=true]')].filter((control) => {
              const owner = control.type === 'radio' ? control.closest('fieldset') : control;
              const ids = (owner && owner.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
              return !ids.some((id) => {
                  const target = document.getElementById(id);
                  return target && target.innerText.trim() && target.closest('.invalid-feedback, [id$=_error]');
              });
           }).map((control) => control.name)"""
    )
    assert page.locator("[aria-invalid=true]").count() >= 3
    assert not unexplained, f"errors not tied to their fields: {unexplained}"
    # Every link in the summary points at a control that exists.
    for index in range(links.count()):
        href = links.nth(index).get_attribute("href")
        assert href.startswith("#")
        assert page.locator(href).count() == 1, href

    assert_text_resizes(page)

    page.set_viewport_size(MOBILE)
    assert_touch_targets(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{overflow}px of horizontal scrolling at 390px"
    assert_text_resizes(page)  # 200% text on a phone: the error summary's long links wrap
    assert_no_axe_violations(page, f"{form_name} with errors at 390px")
    assert_reflows(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_confirmation_page_is_accessible(page, language):
    # The shortest form, sent for real, gives a real confirmation page.
    path, form_class = FORMS["existing_patient"]
    page.goto(_prefix(language) + path)
    choice(page, form_class, "submitter_role", "parent", language).check()
    field(page, form_class, "contact_name", language).fill("Rosa Test")
    field(page, form_class, "patient_name", language).fill("Mateo Test")
    field(page, form_class, "patient_dob", language).fill("2015-06-01")
    field(page, form_class, "topic", language).select_option(
        label=option_label(form_class, "topic", "appointment", language)
    )
    field(page, form_class, "message", language).fill("We would like to move next week's appointment.")
    field(page, form_class, "contact_phone", language).fill("215-555-0134")
    field(page, form_class, "preferred_contact_time", language).select_option(
        label=option_label(form_class, "preferred_contact_time", "morning", language)
    )
    field(page, form_class, "not_emergency_acknowledged", language).check()
    submit_button(page, language).click()

    page.wait_for_url(re.compile(r"/received/"))
    assert page.get_by_role("heading", level=1).inner_text() == tr("Thank you: we received your form", language)
    reference_on_page(page)
    assert_structure(page, language)
    assert_no_axe_violations(page, "confirmation")
    assert_touch_targets(page)
    assert_text_resizes(page)
    page.set_viewport_size(MOBILE)
    assert_no_axe_violations(page, "confirmation at 390px")
    assert_touch_targets(page)
