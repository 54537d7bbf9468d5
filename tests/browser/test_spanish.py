"""Spanish from end to end in a real browser: the switch on a phone, the offer, and the safety guidance."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .a11y import assert_no_axe_violations
from .helpers import MOBILE

pytestmark = pytest.mark.browser


def test_language_switch_is_visible_and_works_on_a_phone_without_the_menu(page, program_content):
    page.set_viewport_size(MOBILE)
    page.goto("/therapies/")
    toggle = page.get_by_role("button", name="Show or hide the menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    switch = page.get_by_role("banner").get_by_role("link", name="Español")
    expect(switch).to_be_visible()
    box = switch.bounding_box()
    assert box["x"] + box["width"] <= MOBILE["width"] and box["height"] >= 24
    switch.click()
    page.wait_for_url(re.compile(r"/es/therapies/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # And back, still without opening the menu.
    back = page.get_by_role("banner").get_by_role("link", name="English")
    expect(back).to_be_visible()
    expect(page.get_by_role("button", name="Mostrar u ocultar el menú")).to_have_attribute("aria-expanded", "false")
    back.click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/therapies/")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_spanish_browser_is_offered_spanish_and_can_say_no(browser, live_server, program_content):
    context = browser.new_context(base_url=live_server.url, locale="es-MX", viewport=MOBILE)
    try:
        page = context.new_page()
        response = page.goto("/")
        assert response.status == 200 and response.url.endswith("/")  # no redirect by itself
        expect(page.locator("html")).to_have_attribute("lang", "en")
        offer = page.locator(".language-offer")
        expect(offer).to_be_visible()
        expect(offer).to_have_attribute("lang", "es")
        assert_no_axe_violations(page, "home with the language offer at 390px")
        offer.get_by_role("link", name=re.compile("^No, gracias")).click()
        page.wait_for_load_state()
        assert page.url == f"{live_server.url}/"
        expect(page.locator(".language-offer")).to_have_count(0)
        page.goto("/therapies/")
        expect(page.locator(".language-offer")).to_have_count(0)
    finally:
        context.close()


def test_spanish_browser_takes_the_offer(browser, live_server, program_content):
    context = browser.new_context(base_url=live_server.url, locale="es-MX", viewport=MOBILE)
    try:
        page = context.new_page()
        page.goto("/what-to-expect/families/")
        page.locator(".language-offer").get_by_role("link", name="Ver en español").click()
        page.wait_for_url(re.compile(r"/es/what-to-expect/families/$"))
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.locator(".language-offer")).to_have_count(0)
    finally:
        context.close()


def test_spanish_journey_reads_the_after_hours_guidance_in_spanish(page, program_content):
    page.set_viewport_size(MOBILE)
    page.goto("/es/")
    page.get_by_role("link", name="Comuníquese con nosotros como paciente actual o familiar").click()
    page.wait_for_url(re.compile(r"/es/existing-patients/$"))
    main = page.locator("main")
    expect(main.locator(".after-hours-note")).to_contain_text("línea fuera de horario")
    body = main.locator(".rich-text")
    expect(body).not_to_have_attribute("lang", "en")
    expect(body).to_contain_text(re.compile("fiebre", re.IGNORECASE))
    expect(body).to_contain_text(re.compile("911"))
    expect(main.locator(".untranslated-note")).to_have_count(0)
    assert_no_axe_violations(page, "existing patients in Spanish at 390px")
