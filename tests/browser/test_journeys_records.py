"""Records requests in a real browser: the referrer sends records from a phone through the emailed link, the
coordinator asks for them from the change page and sees what came back, and axe-core on every records page."""

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from referrals.business_days import add_business_days
from referrals.forms import StatusLookupForm
from referrals.models import Attachment, RecordItem, RecordsRequest, StatusChange, Submission
from referrals.services import records
from referrals.services.intake import new_reference
from tests.referrals.factories import make_submission

from .a11y import assert_no_axe_violations, assert_structure, assert_touch_targets
from .helpers import DESKTOP, MOBILE, field, make_coordinator, pdf_file, sign_in, tiny_pdf, tr

pytestmark = pytest.mark.browser

PATIENT_NAME = "Zorabel Qextpatient"
PATIENT_DOB = date(2013, 5, 6)
CONTACT_NAME = "Ximena Qextparent"
CONTACT_PHONE = "+12025550143"
# What the records pages must never show: the patient and the family, in any of the shapes a date takes.
PHI = [PATIENT_NAME, "Zorabel", "Qextpatient", CONTACT_NAME, "Qextparent", "2013-05-06", "05/06/2013", "6/5/2013"]
PHI += ["May 6, 2013", "6 de mayo de 2013", "555-0143", "5550143", "Rising blasts"]


# --- Setup shared by the tests --------------------------------------------------------


@pytest.fixture
def coordinator(transactional_db):
    return make_coordinator("rita")


@pytest.fixture
def lookups_unlimited(settings):
    # Every request comes from 127.0.0.1: the status page's limits must not trip across a test.
    settings.STATUS_LOOKUPS_PER_CLIENT = 10_000
    settings.STATUS_LOOKUPS_PER_REFERENCE = 10_000


def new_referral(language="en", **fields):
    """A physician referral a coordinator has already called (so the records clock is the one running)."""
    values = {
        # A reference as the intake makes them (the status page refuses 0, 1, I, L and O).
        "reference": new_reference(),
        "patient_name": PATIENT_NAME,
        "patient_dob": PATIENT_DOB,
        "contact_name": CONTACT_NAME,
        "contact_phone": CONTACT_PHONE,
        "urgent_reason": "Rising blasts on day 14.",
        "language": language,
        "status": Submission.Status.IN_REVIEW,
        "first_contacted_at": timezone.now(),
    }
    return make_submission(**{**values, **fields})


def link_in(message):
    """The path of the records link in an email (the email names SITE_URL; the test's server is elsewhere)."""
    url = re.search(r"https?://\S+/records/[\w-]+/", message.body).group(0)
    return urlsplit(url).path


def token_of(path):
    return path.rstrip("/").rsplit("/", 1)[1]


def records_email(mailoutbox, to):
    """The newest records-request email sent to ``to``."""
    messages = [m for m in mailoutbox if "/records/" in m.body and m.to == [to]]
    assert messages, [(m.to, m.subject) for m in mailoutbox]
    return messages[-1]


def ask_for_records(submission, by, mailoutbox, items=("pathology", "flow_mrd"), phrasing="to_review"):
    """A coordinator's request through the service (committed, so the outbox sends it): the emailed link's path."""
    records.request_records(submission=submission, items=list(items), audience="clinician", by=by, phrasing=phrasing)
    return link_in(records_email(mailoutbox, submission.referrer_email))


def label(item, language="en"):
    return tr(RecordItem.Item(item).label, language)


def file_input(page, item, language="en"):
    """The upload field for one requested record, found by its label."""
    return page.get_by_label(re.compile(r"^\s*" + re.escape(label(item, language)) + r"\s*\*?\s*$"))


def send_button(page, language="en"):
    return page.get_by_role("button", name=tr("Send the records", language), exact=True)


def assert_no_phi(page):
    text = page.content()
    leaked = [value for value in PHI if value in text]
    assert not leaked, f"{page.url} shows {leaked}"


def no_sideways_scrolling(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url}: {overflow}px of horizontal scrolling at {page.viewport_size['width']}px"


# --- Journey: the referring office sends records from a phone ----------------------------


def test_referrer_sends_records_from_a_phone(page, coordinator, mailoutbox, lookups_unlimited):
    user, _device = coordinator
    submission = new_referral()
    path = ask_for_records(submission, user, mailoutbox)
    message = records_email(mailoutbox, "ana.ruiz@hospital.example.org")
    assert len([m for m in mailoutbox if "/records/" in m.body]) == 1
    assert submission.reference in message.subject
    for value in PHI:
        assert value not in message.subject + message.body

    # The email's link, on a phone.
    page.set_viewport_size(MOBILE)
    response = page.goto(path)
    assert response.status == 200
    assert "no-store" in response.headers.get("cache-control", "")  # a shared phone's back button shows nothing
    expect(page.get_by_role("heading", level=1)).to_have_text("Send the records we asked for")
    expect(page.locator(".reference-number-inline")).to_have_text(submission.reference)
    expect(page.get_by_text("We need these records to review the referral.")).to_be_visible()
    # One file input per requested record, and only those.
    expect(file_input(page, "pathology")).to_be_visible()
    expect(file_input(page, "flow_mrd")).to_be_visible()
    expect(page.locator("input[type=file]")).to_have_count(2)
    for other in ("treatment_summary", "insurance_card"):
        expect(page.get_by_text(label(other))).to_have_count(0)
    assert_no_phi(page)
    assert token_of(path) not in page.title()
    no_sideways_scrolling(page)
    assert_touch_targets(page)

    # One record: the pathology report.
    file_input(page, "pathology").set_input_files(pdf_file("pathology-report.pdf", "Marrow pathology"))
    send_button(page).click()

    expect(page).to_have_url(re.compile(r"/records/[\w-]+/received/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: we received the records")
    expect(page.locator(".reference-number-inline")).to_have_text(submission.reference)
    asked = page.locator(".records-received-list li")
    expect(asked).to_have_count(2)
    expect(asked.filter(has_text=label("pathology"))).to_contain_text("received")
    expect(asked.filter(has_text=label("flow_mrd"))).to_contain_text("still needed")
    # The link still works for what is missing.
    expect(page.get_by_role("link", name="Send more files")).to_be_visible()
    assert_no_phi(page)
    no_sideways_scrolling(page)

    attachment = Attachment.objects.get(submission=submission)
    assert (attachment.original_name, attachment.source, attachment.record_item) == (
        "pathology-report.pdf",
        Attachment.Source.RECORDS_LINK,
        "pathology",
    )
    assert submission.record_states()["pathology"] == RecordItem.State.RECEIVED
    assert submission.record_states()["flow_mrd"] == RecordItem.State.MISSING
    assert StatusChange.objects.filter(submission=submission, action=StatusChange.Action.RECORDS_UPLOADED).exists()

    # The status page, from the link on the "received" page: the reference and the date of birth.
    page.get_by_role("link", name="the status page").click()
    expect(page).to_have_url(re.compile(r"/status/$"))
    field(page, StatusLookupForm, "reference").fill(submission.reference)
    field(page, StatusLookupForm, "patient_dob").fill(PATIENT_DOB.isoformat())
    page.get_by_role("button", name="Check the status", exact=True).click()
    result = page.locator(".status-result")
    expect(result).to_be_visible()
    expect(result.locator('[aria-current="step"]')).to_contain_text(tr(Submission.Stage.AWAITING_RECORDS.label, "en"))
    assert_no_phi(page)
    # The records the coordinator asked for, each with where it stands: the pathology report is received,
    # the flow cytometry report still needed; records nobody asked for are not listed.
    pathology = result.locator("li").filter(has_text=label("pathology"))
    expect(pathology).to_have_count(1)
    expect(pathology).to_contain_text(re.compile(r"\breceived\b", re.IGNORECASE))
    flow = result.locator("li").filter(has_text=label("flow_mrd"))
    expect(flow).to_have_count(1)
    expect(flow).not_to_contain_text(re.compile(r"(?<!not )(?<!not yet )\breceived\b", re.IGNORECASE))
    for other in ("treatment_summary", "insurance_card", "other"):
        expect(result.locator("li").filter(has_text=label(other))).to_have_count(0)


# --- Journey: the coordinator asks for records and sees them arrive ----------------------


def test_coordinator_asks_for_records_and_downloads_what_arrives(page, coordinator, mailoutbox, settings):
    settings.OTP_REQUIRED = True  # the second factor, as in production
    user, device = coordinator
    submission = new_referral()
    page.set_viewport_size(DESKTOP)
    sign_in(page, user, device)

    # From the queue to the submission.
    page.get_by_role("link", name="Intake queue").first.click()
    row = page.locator("#result_list tbody tr").filter(has_text=submission.reference)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=submission.reference).click()
    expect(page.get_by_role("heading", level=2).filter(has_text=submission.reference)).to_be_visible()

    panel = page.locator("fieldset").filter(
        has=page.get_by_role("heading", name="Ask for records, or add records that came by fax or email")
    )
    expect(panel).to_be_visible()
    assert_no_axe_violations(page, "change page with the records panel")

    # A file that is not a document, added as a faxed record: refused in the panel, nothing saved.
    panel.get_by_label("Add documents that came by fax or email").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a document"}
    )
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(panel.locator(".errorlist")).to_have_count(1)
    assert not Attachment.objects.filter(submission=submission).exists()
    assert_no_axe_violations(page, "change page with an error in the records panel")

    # Ask the referring office for two records, with a message from the list.
    asked = panel.locator(".field-request_items")
    expect(asked).to_contain_text("Ask for these records")
    asked.get_by_role("checkbox", name=label("pathology"), exact=True).check()
    asked.get_by_role("checkbox", name=label("treatment_summary"), exact=True).check()
    recipient = panel.get_by_label("Send the link to")
    expect(recipient.locator("option")).to_contain_text([re.compile(r"the referring office \(a\*\*\*@")])
    recipient.select_option("clinician")
    panel.get_by_label("Message with the request").select_option("to_review")
    page.evaluate("document.body.dataset.beforeSave = 'yes'")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator("body[data-before-save]")).to_have_count(0)
    expect(page.locator("ul.messagelist li.success")).to_contain_text("was changed successfully")
    expect(page.locator("ul.messagelist li.error")).to_have_count(0)

    # The link is listed, working, for the two records; the email went to the referring office.
    links = page.locator("#records_requests-group")
    expect(links).to_contain_text("Records links", ignore_case=True)
    link_row = links.locator("tbody tr").filter(has_text=label("pathology"))
    expect(link_row).to_have_count(1)
    expect(link_row).to_contain_text(f"{label('pathology')}, {label('treatment_summary')}")
    expect(link_row).to_contain_text("Works")
    path = link_in(records_email(mailoutbox, "ana.ruiz@hospital.example.org"))
    submission.refresh_from_db()
    assert submission.status == Submission.Status.AWAITING_RECORDS
    request = RecordsRequest.objects.get(submission=submission)
    assert (request.items, request.audience, request.created_by) == (
        ["pathology", "treatment_summary"],
        "clinician",
        user,
    )
    # The panel now offers to revoke it.
    expect(
        panel.get_by_role("checkbox", name=re.compile(r"^Sent .* for Pathology report, Treatment summary"))
    ).to_be_visible()
    assert_no_axe_violations(page, "change page with a records link")

    # The queue: the follow-up clock is the one running for this row.
    due = add_business_days(timezone.localdate(), settings.RECORDS_FOLLOW_UP_BUSINESS_DAYS)
    page.goto("/admin/referrals/submission/")
    row = page.locator("#result_list tbody tr").filter(has_text=submission.reference)
    waiting = row.locator("td.field-waiting")
    expect(waiting.locator(".cip-badge")).to_have_text(f"Due {date_format(due, 'D j M')}")
    expect(waiting.locator(".cip-clock")).to_have_text("records follow-up")
    assert_no_axe_violations(page, "queue with a records follow-up clock")
    # Not yet due: the "records follow-up: due today or overdue" filter leaves it out.
    page.goto("/admin/referrals/submission/?follow_up=due")
    expect(page.locator("#result_list tbody tr").filter(has_text=submission.reference)).to_have_count(0)

    # The referring office uses the emailed link (here, from the same browser: the page is public).
    page.goto(path)
    file_input(page, "pathology").set_input_files(pdf_file("pathology-report.pdf", "Marrow pathology"))
    send_button(page).click()
    expect(page).to_have_url(re.compile(r"/records/[\w-]+/received/$"))

    # Back on the change page: the document is listed with its record and how it came, and downloads.
    page.goto(f"/admin/referrals/submission/{submission.pk}/change/")
    documents = page.locator("#attachments-group")
    expect(documents).to_contain_text("pathology-report.pdf")
    document_row = documents.locator("tbody tr").filter(has_text="pathology-report.pdf")
    expect(document_row).to_contain_text(label("pathology"))
    expect(document_row).to_contain_text("Through a records link")
    with page.expect_download() as download_info:
        document_row.get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.suggested_filename == "pathology-report.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == tiny_pdf("Marrow pathology")
    # The checklist line is ticked, the link still works for the treatment summary.
    expect(page.get_by_label(re.compile(r"^Pathology report:?$"))).to_have_value("received")
    expect(page.locator("#records_requests-group tbody tr").first).to_contain_text("Works")
    expect(page.locator("#history-group")).to_contain_text("Records received through a link")
    # The coordinator was told (the intake inbox, as nobody is assigned), with the reference only.
    notices = [m for m in mailoutbox if submission.reference in m.subject and "/records/" not in m.body]
    assert notices, [m.subject for m in mailoutbox]
    for message in notices:
        for value in PHI:
            assert value not in message.subject + message.body


# --- axe-core on every records page, in English and in Spanish ------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_records_pages_are_accessible(page, coordinator, mailoutbox, language):
    user, _device = coordinator
    submission = new_referral(language=language)
    problems = []
    path = ask_for_records(submission, user, mailoutbox)
    # A Spanish submission's email carries the Spanish page.
    assert path.startswith("/es/records/") if language == "es" else path.startswith("/records/")

    # Fresh.
    response = page.goto(path)
    assert response.status == 200
    assert_structure(page, language)
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Send the records we asked for", language))
    expect(file_input(page, "flow_mrd", language)).to_be_visible()
    assert_no_axe_violations(page, f"records upload ({language})")
    page.set_viewport_size(MOBILE)
    assert_no_axe_violations(page, f"records upload at 390px ({language})")
    page.set_viewport_size(DESKTOP)

    # Sent with no file: the error summary, announced and focused.
    send_button(page, language).click()
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading"))
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(tr("Please choose at least one file to send.", language))
    # Focused, as on the intake forms, so a screen reader reads it first. Checked at the end of the test,
    # so the accessibility checks of the other pages still run when this one fails.
    page.wait_for_load_state("load")
    if page.evaluate("document.activeElement && document.activeElement.id") != "error-summary":
        problems.append(f"{page.url}: the error summary does not take the focus after a failed send")
    assert Attachment.objects.count() == 0
    assert_structure(page, language)
    assert_no_axe_violations(page, f"records upload with an error ({language})")

    # Sent with a file: the "received" page.
    file_input(page, "flow_mrd", language).set_input_files(pdf_file("mrd.pdf"))
    send_button(page, language).click()
    expect(page).to_have_url(re.compile(r"/records/[\w-]+/received/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Thank you: we received the records", language))
    assert_structure(page, language)
    assert_no_phi(page)
    assert_no_axe_violations(page, f"records received ({language})")

    # Revoked: "this link no longer works" (410), with the phone number.
    request = RecordsRequest.objects.get(submission=submission)
    records.revoke_link(records_request=request, by=user)
    response = page.goto(path)
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("This link no longer works", language))
    expect(page.get_by_text(tr("The program has replaced or cancelled this link.", language))).to_be_visible()
    assert_structure(page, language)
    assert_no_phi(page)
    assert_no_axe_violations(page, f"records link revoked ({language})")

    # Expired: a new link, past its date (test setup, not a workflow step).
    path = ask_for_records(submission, user, mailoutbox, items=("insurance_card",), phrasing="both_sides")
    newest = RecordsRequest.objects.filter(submission=submission).latest("created_at", "pk")
    RecordsRequest.objects.filter(pk=newest.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = page.goto(path)
    assert response.status == 410
    expect(page.get_by_text(tr("The link to send records has expired.", language))).to_be_visible()
    assert_no_axe_violations(page, f"records link expired ({language})")

    # A link that never existed: "we could not find this link" (404).
    response = page.goto(("/es" if language == "es" else "") + "/records/" + "x" * 43 + "/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("We could not find this link", language))
    assert_no_axe_violations(page, f"records link unknown ({language})")
    assert not problems, "\n".join(problems)
