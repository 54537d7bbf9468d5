"""Journeys 1, 2 and 4 of issue 5: a parent on a phone, in English and in Spanish, and keyboard only."""

import re

import pytest
from playwright.sync_api import expect

from referrals.forms import SecondOpinionForm
from referrals.models import Submission

from .a11y import assert_no_axe_violations
from .helpers import DESKTOP, MOBILE, choice, field, option_label, pdf_file, reference_on_page, submit_button, tr

FORM = SecondOpinionForm
pytestmark = pytest.mark.browser


def _open_menu_if_collapsed(page, language):
    toggle = page.get_by_role("button", name=tr("Show or hide the menu", language))
    if toggle.is_visible():
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")


def _parent_journey(page, language):
    """Home -> "I'm a parent" -> form with two mistakes -> fix them via the summary -> PDF -> reference."""
    parent_card = page.locator(".card").filter(
        has=page.get_by_role("heading", name=tr("I'm a parent or family member", language))
    )
    parent_card.get_by_role("link", name=tr("Request a visit or a second opinion", language)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("New patient or second opinion", language))

    choice(page, FORM, "submitter_role", "parent", language).check()
    # Mistake 1: no name. Mistake 2: a phone number that is too short.
    field(page, FORM, "contact_phone", language).fill("215-55")
    choice(page, FORM, "preferred_contact_method", "phone", language).check()
    field(page, FORM, "preferred_contact_time", language).select_option(
        label=option_label(FORM, "preferred_contact_time", "evening", language)
    )
    field(page, FORM, "patient_name", language).fill("Sofia Example")
    field(page, FORM, "patient_dob", language).fill("2016-04-12")
    choice(page, FORM, "diagnosis", "b_all", language).check()
    field(page, FORM, "current_hospital", language).fill("Riverside Children's Hospital, Springfield")
    field(page, FORM, "message", language).fill("Her leukemia came back after chemotherapy. Could CAR T-cell help?")
    field(page, FORM, "consent_to_contact", language).check()
    field(page, FORM, "not_emergency_acknowledged", language).check()
    submit_button(page, language).click()

    # The error summary lists exactly the two mistakes, and is announced.
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading"))
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # so a screen reader reads it first
    expect(summary.get_by_role("heading")).to_have_text(tr("There is a problem with the form", language))
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    assert Submission.objects.count() == 0

    name_link = links.filter(has_text=tr(FORM.base_fields["contact_name"].label, language))
    phone_link = links.filter(has_text=tr(FORM.base_fields["contact_phone"].label, language))
    name = field(page, FORM, "contact_name", language)
    phone = field(page, FORM, "contact_phone", language)

    name_link.click()
    expect(name).to_be_focused()
    expect(name).to_be_in_viewport()
    expect(name).to_have_attribute("aria-invalid", "true")
    page.keyboard.type("Maria Example")

    phone_link.click()
    expect(phone).to_be_focused()
    expect(phone).to_be_in_viewport()
    phone.fill("215-555-0134")

    # Files are not kept after an error: attach the PDF now.
    field(page, FORM, "documents", language).set_input_files([pdf_file("pathology-report.pdf")])
    submit_button(page, language).click()

    expect(page).to_have_url(re.compile(r"/received/[\w-]+/(#.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Thank you: we received your form", language))
    reference = reference_on_page(page)
    expect(page.get_by_role("heading", name=tr("Your reference number", language))).to_be_visible()

    submission = Submission.objects.get(reference=reference)
    assert submission.kind == Submission.Kind.SECOND_OPINION
    assert submission.language == language
    assert submission.contact_name == "Maria Example"
    assert [a.original_name for a in submission.attachments.all()] == ["pathology-report.pdf"]
    # Nothing about the patient in the address bar.
    assert "Sofia" not in page.url and reference not in page.url
    return submission


def test_journey_1_parent_on_a_phone(page, program_content):
    page.set_viewport_size(MOBILE)
    page.goto("/")
    _parent_journey(page, "en")
    assert_no_axe_violations(page, "second-opinion confirmation")


def test_journey_2_parent_on_a_phone_in_spanish(page, program_content):
    page.set_viewport_size(MOBILE)
    page.goto("/")
    _open_menu_if_collapsed(page, "en")
    page.get_by_role("banner").get_by_role("link", name="Español").click()
    page.wait_for_url(re.compile(r"/es/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")

    # One literal check, not from the catalogue the page itself uses: the page really is Spanish.
    expect(page.get_by_role("link", name="Pedir una cita o una segunda opinión").first).to_be_visible()
    submission = _parent_journey(page, "es")
    assert "/es/" in page.url
    assert_no_axe_violations(page, "Spanish confirmation")
    assert submission.language == "es"


# --- Journey 4: keyboard only -----------------------------------------------------

_FOCUS_STATE_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {id: '', ok: false, why: 'nothing focused'};
  if (el.type === 'date' && !el.matches(':focus')) {
    // Tab has reached Chromium's own calendar button inside the date field: the browser draws its
    // ring (author CSS cannot reach it); check it is on screen.
    const box = el.getBoundingClientRect();
    return {id: el.id, ok: box.bottom > 0 && box.top < innerHeight, why: 'calendar button off screen'};
  }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const ring = style.boxShadow && style.boxShadow !== 'none';
  const box = el.getBoundingClientRect();
  const inView = box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth;
  // Not hidden behind something sticky or fixed: the element (or its own label) is on top at its centre.
  const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  const onTop = !!top && (top === el || el.contains(top) || (el.labels && [...el.labels].some((l) => l.contains(top))));
  return {
    id: el.id || el.getAttribute('name') || el.tagName,
    ok: el.matches(':focus-visible') && (outline || ring) && inView && onTop,
    why: `focus-visible=${el.matches(':focus-visible')} outline=${outline} ring=${ring} inView=${inView} onTop=${onTop}`,
  };
}
"""


class Keyboard:
    """Drives the page with Tab, Shift+Tab, Space and Enter, checking focus after every key."""

    def __init__(self, page):
        self.page = page
        self.presses = 0

    def _check(self):
        state = self.page.evaluate(_FOCUS_STATE_JS)
        assert state["ok"], f"focus on {state['id']} is not visible: {state['why']}"
        return state["id"]

    def press(self, key):
        self.page.keyboard.press(key)
        self.presses += 1
        return self._check()

    def tab_to(self, element_id, limit=60):
        """Tab forward until the control with this id has focus (a date field takes one Tab per part)."""
        for _ in range(limit):
            if self.press("Tab") == element_id:
                return
        raise AssertionError(f"{element_id} never got focus with Tab")

    def shift_tab_to(self, element_id, limit=10):
        for _ in range(limit):
            if self.press("Shift+Tab") == element_id:
                return
        raise AssertionError(f"{element_id} never got focus with Shift+Tab")


def test_journey_4_keyboard_only(page, program_content):
    page.set_viewport_size(DESKTOP)
    page.goto("/request-a-visit/")
    keys = Keyboard(page)

    # The first Tab shows the skip link; Enter moves focus into the main content.
    keys.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    keys.tab_to("id_submitter_role_0")
    keys.press("Space")  # Parent or legal guardian
    keys.tab_to("id_contact_name")
    page.keyboard.type("Ana Keyboard")
    keys.tab_to("id_contact_phone")
    page.keyboard.type("215-555-0199")
    # Back with Shift+Tab to correct the name, then forward again.
    keys.shift_tab_to("id_contact_name")
    page.keyboard.press("End")
    page.keyboard.type("-Lopez")
    keys.tab_to("id_preferred_contact_method_0")
    keys.press("Space")  # Phone call
    keys.tab_to("id_preferred_contact_time")
    page.keyboard.type("Any")  # a closed <select> picks the option whose label starts with what is typed
    keys.tab_to("id_patient_name")
    page.keyboard.type("Leo Keyboard")
    keys.tab_to("id_patient_dob")
    page.keyboard.type("03142014")  # month, day, year: the date field moves between its parts itself
    keys.tab_to("id_diagnosis_0")
    keys.press("Space")  # B-ALL
    keys.tab_to("id_current_hospital")
    page.keyboard.type("Lakeside Children's Hospital, Lakeside")
    keys.tab_to("id_message")
    page.keyboard.type("We would like a second opinion about CAR T-cell therapy.")
    keys.tab_to("id_consent_to_contact")
    keys.press("Space")
    keys.tab_to("id_not_emergency_acknowledged")
    keys.press("Space")
    send = submit_button(page)
    for _ in range(5):
        keys.press("Tab")
        if send.evaluate("el => el === document.activeElement"):
            break
    expect(send).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/received/[\w-]+/(#.*)?$"))
    reference = reference_on_page(page)
    submission = Submission.objects.get(reference=reference)
    assert submission.contact_name == "Ana Keyboard-Lopez"
    assert str(submission.contact_phone) in {"+12155550199", "+1 215-555-0199"}
    assert submission.preferred_contact_time == "any"
    assert str(submission.patient_dob) == "2014-03-14"
    assert submission.diagnosis == "b_all"
    assert submission.consent_to_contact and submission.not_emergency_acknowledged
    # Every key press above was checked for visible, unobscured focus.
    assert keys.presses > 20
