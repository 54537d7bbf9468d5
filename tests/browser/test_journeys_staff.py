"""Journeys 3 and 5 of issue 5: a physician refers an urgent patient; a coordinator works it in the admin."""

import base64
import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from referrals.forms import ExistingPatientForm, ReferralForm, SecondOpinionForm
from referrals.models import AccessLog, RecordItem, StatusChange, Submission

from .a11y import assert_no_axe_violations
from .helpers import (
    DESKTOP,
    PASSWORD,
    choice,
    coordinators_group,
    current_code,
    field,
    make_coordinator,
    option_label,
    pdf_file,
    png_file,
    reference_on_page,
    sign_in,
    submit_button,
    submit_directly,
    tiny_pdf,
)

pytestmark = pytest.mark.browser
FORM = ReferralForm


def refer_urgent_patient(page):
    """Journey 3's steps: home -> "Refer a patient" -> the form, urgent, two documents -> reference."""
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Refer a patient").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    field(page, FORM, "referrer_name").fill("Dr. Priya Raman")
    field(page, FORM, "referrer_credentials").fill("MD")
    field(page, FORM, "referrer_npi").fill("1234567893")
    field(page, FORM, "referrer_practice").fill("Valley Pediatric Oncology")
    field(page, FORM, "referrer_phone").fill("610-555-0100")
    field(page, FORM, "referrer_email").fill("raman@valley-onc.example.org")

    field(page, FORM, "patient_name").fill("Noah Urgent")
    field(page, FORM, "patient_dob").fill("2012-09-30")
    field(page, FORM, "patient_sex").select_option(label=option_label(FORM, "patient_sex", "male"))
    choice(page, FORM, "diagnosis", "b_all").check()
    choice(page, FORM, "disease_status", "second_relapse").check()
    field(page, FORM, "cd19_status").select_option(label=option_label(FORM, "cd19_status", "positive"))
    field(page, FORM, "prior_transplant").check()
    field(page, FORM, "prior_transplant_date").fill("2023-02-01")
    field(page, FORM, "current_treatment").fill("Salvage chemotherapy, cycle 2.")

    # "Why is it urgent?" appears once "Urgent" is chosen (and is required then).
    reason = field(page, FORM, "urgent_reason")
    expect(reason).to_be_hidden()
    choice(page, FORM, "urgency", "urgent").check()
    expect(reason).to_be_visible()
    reason.fill("Rising blasts on day 14; the family needs a plan this week.")

    field(page, FORM, "contact_name").fill("Laura Urgent")
    field(page, FORM, "contact_phone").fill("610-555-0142")
    field(page, FORM, "preferred_language").fill("English")
    field(page, FORM, "documents").set_input_files(
        [pdf_file("pathology-report.pdf", "Bone marrow pathology"), png_file("flow-cytometry.png")]
    )
    field(page, FORM, "family_aware").check()
    submit_button(page).click()

    expect(page).to_have_url(re.compile(r"/received/[\w-]+/(#.*)?$"))
    return reference_on_page(page)


def test_journey_3_physician_refers_an_urgent_patient(page, program_content):
    reference = refer_urgent_patient(page)
    assert_no_axe_violations(page, "referral confirmation")

    submission = Submission.objects.get(reference=reference)
    assert submission.kind == Submission.Kind.REFERRAL
    assert submission.urgency == Submission.Urgency.URGENT
    assert submission.status == Submission.Status.NEW
    assert submission.referrer_npi == "1234567893"
    assert submission.prior_transplant is True
    attachments = {a.original_name: a.content_type for a in submission.attachments.all()}
    assert attachments == {"pathology-report.pdf": "application/pdf", "flow-cytometry.png": "image/png"}
    # The confirmation page shows the reference, never the patient.
    assert "Noah" not in page.content()


# --- Journey 5: the coordinator ---------------------------------------------------


def _older_routine_work():
    """Routine submissions already in the queue, one of them overdue, so "urgent first" means something."""
    message = submit_directly(
        ExistingPatientForm,
        {
            "submitter_role": "parent",
            "contact_name": "Older Parent",
            "patient_name": "Older Routine",
            "patient_dob": "2014-01-20",
            "topic": "appointment",
            "message": "Please call about the next appointment.",
            "contact_phone": "215-555-0177",
            "preferred_contact_time": "any",
            "not_emergency_acknowledged": "on",
        },
    )
    # Received six days ago: overdue for its first contact (test setup, not a workflow step).
    Submission.objects.filter(pk=message.pk).update(received_at=timezone.now() - datetime.timedelta(days=6))
    submit_directly(
        SecondOpinionForm,
        {
            "submitter_role": "parent",
            "contact_name": "Early Parent",
            "contact_phone": "215-555-0188",
            "preferred_contact_method": "phone",
            "preferred_contact_time": "any",
            "patient_name": "Early Routine",
            "patient_dob": "2015-05-05",
            "diagnosis": "unsure",
            "current_hospital": "Somewhere General",
            "message": "A second opinion, please.",
            "consent_to_contact": "on",
            "not_emergency_acknowledged": "on",
        },
    )


@pytest.fixture
def coordinator(transactional_db):
    return make_coordinator("dana")


def test_journey_5_coordinator_works_the_urgent_referral(page, new_context, program_content, coordinator, settings):
    settings.OTP_REQUIRED = True  # the second factor, as in production
    user, device = coordinator
    _older_routine_work()
    reference = refer_urgent_patient(page)  # journey 3, as the physician
    urgent = Submission.objects.get(reference=reference)

    staff = new_context().new_page()
    staff.set_default_timeout(10_000)
    staff.set_viewport_size(DESKTOP)
    sign_in(staff, user, device)

    # The queue: the urgent referral is at the top.
    staff.get_by_role("link", name="Intake queue").first.click()
    rows = staff.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(reference)
    rows.first.get_by_role("link", name=reference).click()
    expect(staff.get_by_role("heading", level=2).filter(has_text=reference)).to_be_visible()

    def save():
        # Mark the page, so the checks below can only pass on the page the save brings back.
        staff.evaluate("document.body.dataset.beforeSave = 'yes'")
        staff.get_by_role("button", name="Save and continue editing").click()
        expect(staff.locator("body[data-before-save]")).to_have_count(0)
        expect(staff.locator("ul.messagelist li.success")).to_contain_text("was changed successfully")
        expect(staff.locator("ul.messagelist li.error")).to_have_count(0)

    # Assign to herself.
    staff.get_by_label("Assign to me").check()
    save()
    # Mark contacted.
    staff.get_by_label("Family contacted now").check()
    save()
    # Add a note.
    staff.get_by_label("Add an internal note").fill("Called the mother; records coming from Valley Oncology.")
    save()

    # Download a document: the file comes back byte for byte, as an attachment.
    documents = staff.locator("[id^=attachments]").filter(has_text="pathology-report.pdf")
    with staff.expect_download() as download_info:
        documents.get_by_role("link", name="Download").first.click()
    download = download_info.value
    assert download.suggested_filename == "pathology-report.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == tiny_pdf("Bone marrow pathology")

    # Tick the records checklist: every line received (or not needed), then review.
    for item, label in RecordItem.Item.choices:
        state = "not_needed" if item == RecordItem.Item.OTHER else "received"
        staff.get_by_label(re.compile("^" + re.escape(str(label)) + ":?$")).select_option(state)
    staff.get_by_label("Change status to").select_option("in_review")
    save()

    # Accept with a consult date.
    consult = timezone.localdate() + datetime.timedelta(days=7)
    staff.get_by_label("Change status to").select_option("accepted")
    staff.get_by_label("Consult date").fill(consult.isoformat())
    save()

    # The outbox worker (its own process in production, never the request) sends the status notices and records
    # each in the history; the page shows them once reloaded.
    from referrals.notifications import send_pending

    send_pending()
    staff.reload()

    # The history shows each step, in the admin and in the database.
    urgent.refresh_from_db()
    assert urgent.status == Submission.Status.ACCEPTED
    assert urgent.assigned_to == user
    assert urgent.first_contacted_at is not None
    assert urgent.records_completed_at is not None
    assert urgent.consult_date == consult
    history_rows = list(urgent.history.order_by("changed_at", "pk").values_list("action", "to_value"))
    # Each new stage emailed the referring clinician a status notice, recorded in the history by the system.
    notices = [row for row in history_rows if row[0] == StatusChange.Action.NOTICE]
    assert notices == [(StatusChange.Action.NOTICE, "reviewing"), (StatusChange.Action.NOTICE, "decided")]
    actions = [row for row in history_rows if row[0] != StatusChange.Action.NOTICE]
    assert actions[0] == (StatusChange.Action.ASSIGNED, "dana")
    assert actions[1][0] == StatusChange.Action.CONTACTED
    assert [a for a in actions if a[0] == StatusChange.Action.RECORDS] == [
        (StatusChange.Action.RECORDS, f"{item}: {'not_needed' if item == 'other' else 'received'}")
        for item in RecordItem.Item.values
    ]
    assert actions[-2:] == [
        (StatusChange.Action.STATUS, Submission.Status.IN_REVIEW),
        (StatusChange.Action.STATUS, Submission.Status.ACCEPTED),
    ]
    assert urgent.notes.get().body.startswith("Called the mother")
    assert AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD, submission=urgent, username="dana").exists()

    # On the page: one history row per step, each with who did it; the note in the notes.
    history = staff.locator("#history-group")
    expect(history.locator("tbody tr.has_original, tbody tr.form-row")).to_have_count(len(history_rows))
    for text in [
        "Assigned",
        "Family contacted",
        "Records checklist",
        "In review",
        "Accepted",
        "Consult on " + consult.isoformat(),
        "Status notice emailed",
        "Emailed to the referring clinician",
    ]:
        expect(history).to_contain_text(text)
    expect(history.locator("tbody tr").filter(has_text="dana")).to_have_count(len(actions))
    expect(staff.locator("#notes-group")).to_contain_text("Called the mother")


def test_coordinator_searches_by_name_without_it_reaching_the_address_bar(new_context, coordinator, settings):
    settings.OTP_REQUIRED = True
    user, device = coordinator
    _older_routine_work()
    staff = new_context().new_page()
    staff.set_default_timeout(10_000)
    sign_in(staff, user, device)
    staff.goto("/admin/referrals/submission/")
    staff.get_by_role("searchbox").or_(staff.locator("#searchbar")).first.fill("Early Routine")
    staff.keyboard.press("Enter")
    expect(staff).to_have_url(re.compile(r"/admin/referrals/submission/\?qk=[\w-]+$"))
    rows = staff.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(staff.locator("#searchbar")).to_have_value("Early Routine")
    assert "early" not in staff.url.lower()
    # Sorting keeps the search (by its key) and still keeps the words out of the address bar.
    staff.locator("#result_list thead th.sortable a").first.click()
    expect(rows).to_have_count(1)
    assert "qk=" in staff.url and "early" not in staff.url.lower()


def test_first_sign_in_sets_up_the_authenticator(page, transactional_db, settings):
    """A new coordinator: password, then the enrolment page's secret in an authenticator app, then the queue."""
    settings.OTP_REQUIRED = True
    user = get_user_model().objects.create_user(
        username="sam", email="sam@example.org", password=PASSWORD, is_staff=True
    )
    user.groups.add(coordinators_group())

    page.goto("/admin/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/two-factor/enrol/"))
    # The queue stays closed until the second factor is confirmed.
    page.goto("/admin/referrals/submission/")
    expect(page).to_have_url(re.compile(r"/admin/(login|two-factor/enrol)/"))
    page.goto("/admin/two-factor/enrol/")

    # What a person types into their authenticator app: the secret shown under the QR code.
    secret = page.locator("code").filter(has_text=re.compile(r"^[A-Z2-7]{16,}=*$")).first.inner_text().strip()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert base64.b32decode(secret) == device.bin_key
    page.get_by_label("6-digit code").fill(current_code(device))
    page.get_by_role("button", name="Confirm").click()

    # Ten backup codes, shown once: each signs in once when the phone is lost.
    expect(page).to_have_url(re.compile(r"/admin/two-factor/backup-codes/"))
    device.refresh_from_db()
    assert device.confirmed
    codes = page.locator(".cip-backup-codes li").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert_no_axe_violations(page, "backup codes, shown once")
    page.get_by_role("link", name=re.compile("I have saved my codes")).click()
    expect(page).to_have_url(re.compile(r"/admin/referrals/submission/"))
    page.goto("/admin/two-factor/backup-codes/")
    assert not any(code in page.content() for code in codes)  # never shown again

    # The two-factor page, reached from the user tools on every admin page.
    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page).to_have_url(re.compile(r"/admin/two-factor/$"))
    assert_no_axe_violations(page, "two-factor page")

    # A lost phone: sign in again with a backup code instead of the 6-digit code.
    page.context.clear_cookies()
    page.goto("/admin/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authentication code").fill(codes[0])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator(".messagelist").filter(has_text="backup code")).to_contain_text("You have 9 backup codes left")


def test_forms_work_without_javascript(new_context, live_server, transactional_db):
    """No JavaScript: the conditional fields are simply shown, and the form still sends."""
    page = new_context(java_script_enabled=False).new_page()
    page.set_default_timeout(10_000)
    page.goto("/refer/")
    expect(field(page, FORM, "urgent_reason")).to_be_visible()
    expect(field(page, FORM, "diagnosis_other")).to_be_visible()
    submit_button(page).click()
    expect(page.get_by_role("alert").filter(has=page.get_by_role("heading"))).to_be_visible()
    assert Submission.objects.count() == 0

    page.goto("/existing-patients/message/")
    form = ExistingPatientForm
    choice(page, form, "submitter_role", "parent").check()
    field(page, form, "contact_name").fill("Rosa NoScript")
    field(page, form, "patient_name").fill("Mateo NoScript")
    field(page, form, "patient_dob").fill("2015-06-01")
    field(page, form, "topic").select_option("records")
    field(page, form, "message").fill("Please send the last scan report.")
    field(page, form, "contact_phone").fill("215-555-0134")
    field(page, form, "preferred_contact_time").select_option("any")
    field(page, form, "not_emergency_acknowledged").check()
    submit_button(page).click()
    expect(page).to_have_url(re.compile(r"/received/[\w-]+/$"))
    assert Submission.objects.get(reference=reference_on_page(page)).kind == Submission.Kind.EXISTING_PATIENT
