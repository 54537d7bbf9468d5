"""Helpers for the browser tests: viewports, the public pages, sample answers, labels in the page's language,
tiny documents, form filling, coordinators. Plain functions and constants: the fixtures are in conftest.py."""

import re
import struct
import zlib

from django.contrib.auth import get_user_model
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from referrals.forms import ExistingPatientForm, ReferralForm, SecondOpinionForm
from tests.referrals.factories import coordinators_group

from .a11y import assert_no_axe_violations, assert_reflows, assert_structure, assert_text_resizes, assert_touch_targets

MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

FORMS = {
    "refer": ("/refer/", ReferralForm),
    "second_opinion": ("/request-a-visit/", SecondOpinionForm),
    "existing_patient": ("/existing-patients/message/", ExistingPatientForm),
}

# Every public content page, as (name, path, expected status); checked in English and in Spanish.
PAGES = [
    ("home", "/", 200),
    ("therapies", "/therapies/", 200),
    ("therapy", "/therapies/car-t-cell-therapy/", 200),
    ("studies", "/studies/", 200),
    ("study", "/studies/NCT02435849/", 200),
    ("stories", "/stories/", 200),
    ("story", "/stories/tories-car-t-story/", 200),
    ("videos", "/videos/", 200),
    ("video", "/videos/video-tour/", 200),
    ("what-to-expect-families", "/what-to-expect/families/", 200),
    ("what-to-expect-physicians", "/what-to-expect/physicians/", 200),
    ("contact", "/existing-patients/", 200),
    ("family-costs", "/families/costs/", 200),
    ("family-travel", "/families/travel/", 200),
    ("family-interpreters", "/families/interpreters/", 200),
    ("family-hours", "/families/hours/", 200),
    ("not-found", "/no-such-page/", 404),
    ("studies-bad-filter", "/studies/?status=maybe&age=abc", 400),
    ("confirmation-unknown", "/received/no-such-token/", 404),
]

# Answers for submissions made without the browser (submit_directly).
URGENT_REFERRAL = {
    "referrer_name": "Dr. Priya Raman",
    "referrer_credentials": "MD",
    "referrer_npi": "1234567893",
    "referrer_practice": "Valley Pediatric Oncology",
    "referrer_phone": "610-555-0100",
    "referrer_email": "raman@valley-onc.example.org",
    "patient_name": "Noah Example",
    "patient_dob": "2012-09-30",
    "patient_sex": "male",
    "diagnosis": "b_all",
    "disease_status": "second_relapse",
    "prior_lines_of_therapy": "3",
    "mrd_result": "detectable",
    "mrd_level": "0.8",
    "mrd_method": "flow",
    "cd19_status": "positive",
    "prior_cd19_therapy": "on",
    "clinical_question": "Candidate for CAR T-cell therapy?",
    "urgency": "urgent",
    "urgent_reason": "Rising blasts on day 14.",
    "contact_name": "Laura Example",
    "contact_phone": "610-555-0142",
    "family_aware": "on",
}
FAMILY_REQUEST = {
    "submitter_role": "parent",
    "contact_name": "Maria Example",
    "contact_phone": "215-555-0134",
    "preferred_contact_method": "phone",
    "preferred_contact_time": "evening",
    "patient_name": "Sofia Example",
    "patient_dob": "2016-04-12",
    "diagnosis": "b_all",
    "current_hospital": "Riverside Children's Hospital",
    "message": "Could CAR T-cell therapy help?",
    "consent_to_contact": "on",
    "not_emergency_acknowledged": "on",
}


def check_public_page(page, name, path, status, language):
    """The checks for one page; the Spanish pages run from their own module so xdist can spread the load."""
    url = path if language == "en" else f"/es{path}"
    response = page.goto(url)
    assert response.status == status, url

    assert_structure(page, language)
    assert_no_axe_violations(page, name)
    assert_touch_targets(page)
    assert_text_resizes(page)

    # On a phone: the menu collapses behind its toggle, targets stay big enough, 200% text still fits.
    page.set_viewport_size(MOBILE)
    assert_touch_targets(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{url}: {overflow}px of horizontal scrolling at 390px"
    assert_text_resizes(page)
    assert_no_axe_violations(page, f"{name} at 390px")
    assert_reflows(page)


def tiny_pdf(text="Pathology report (test)"):
    """A small but valid one-page PDF (with a correct cross-reference table)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_file(name, text=None):
    """What Locator.set_input_files takes for one in-memory PDF."""
    return {"name": name, "mimeType": "application/pdf", "buffer": tiny_pdf(text or name)}


def tiny_png():
    """A valid 1x1 white PNG."""

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def png_file(name):
    return {"name": name, "mimeType": "image/png", "buffer": tiny_png()}


def tr(text, language):
    """The text as the site shows it in ``language`` (from the compiled catalogue)."""
    with translation.override(language):
        # A lazy label translates when turned into text; a plain msgid needs gettext.
        return translation.gettext(text) if isinstance(text, str) else str(text)


def _exact(label):
    # The accessible name, with the required-field asterisk crispy adds (or not).
    return re.compile(r"^\s*" + re.escape(label) + r"\s*\*?\s*$")


def field(page, form_class, name, language="en"):
    """The control for a form field, found by its label as a person sees it."""
    return page.get_by_label(_exact(tr(form_class.base_fields[name].label, language)))


def choice(page, form_class, name, value, language="en"):
    """A radio button, found by its label."""
    label = dict(form_class.base_fields[name].choices)[value]
    return page.get_by_role("radio", name=_exact(tr(label, language)))


def option_label(form_class, name, value, language="en"):
    return tr(dict(form_class.base_fields[name].choices)[value], language)


def submit_button(page, language="en"):
    return page.get_by_role("button", name=tr("Send", language), exact=True)


def reference_on_page(page):
    """The reference number shown on a confirmation page."""
    reference = page.locator(".reference-number").inner_text().strip()
    assert re.fullmatch(r"CIP-?[A-Z0-9-]{4,}", reference), reference
    return reference


# --- Coordinators -----------------------------------------------------------------

PASSWORD = "a-long-test-passphrase-for-dana"


def make_coordinator(username="dana"):
    """A coordinator (staff, Coordinators group) with a confirmed authenticator app."""
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD, is_staff=True
    )
    user.groups.add(coordinators_group())
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return user, device


def current_code(device):
    """The code the coordinator's authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def sign_in(page, user, device):
    """The admin's sign-in: user name, password and the 6-digit code."""
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authentication code").fill(current_code(device))
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def submit_directly(form_class, data, files=(), language="en"):
    """A submission made through the same validation and service as the public form, without a browser."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils.datastructures import MultiValueDict

    from referrals.forms import new_form_token
    from referrals.services import intake

    uploads = [SimpleUploadedFile(name, content) for name, content in files]
    form = form_class({"form_token": new_form_token(), **data}, MultiValueDict({"documents": uploads}))
    assert form.is_valid(), form.errors
    return intake.submit(form=form, files=form.cleaned_data.get("documents", []), language=language)
