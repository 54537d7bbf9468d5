"""The public views: GET, valid POST, errors, replays, honeypot, rate limit, CSRF, request limits."""

import hashlib
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from phonenumber_field.phonenumber import PhoneNumber

from referrals.forms import ExistingPatientForm, ReferralForm, SecondOpinionForm
from referrals.models import Notification, RecordItem, Submission

from .factories import (
    FORMS,
    MARKERS,
    PNG,
    existing_patient_data,
    referral_data,
    second_opinion_data,
    spanish_url,
    stored_files,
    upload,
)

URL_NAMES = list(FORMS)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_form_page_renders_without_queries(client, url_name, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse(f"referrals:{url_name}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="form_token"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


# A valid POST without files: the Submission, the records checklist and the outbox rows, in one transaction
# (BEGIN, three INSERTs, COMMIT). No form-token lookup: the token's unique column finds a replay
# (intake.submit). The CHECK constraints are the database's alone (Submission.validate_constraints). No email
# is sent in the request.
POST_QUERIES = {"refer": 5, "second_opinion": 5, "existing_patient": 5}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_a_valid_post_runs_a_fixed_number_of_queries_and_no_token_lookup(
    client, url_name, django_assert_num_queries, mailoutbox
):
    with django_assert_num_queries(POST_QUERIES[url_name]), CaptureQueriesContext(connection) as queries:
        response = client.post(reverse(f"referrals:{url_name}"), FORMS[url_name]())
    assert response.status_code == 302
    token_lookups = [
        q["sql"] for q in queries.captured_queries if '"form_token" =' in q["sql"] and "SELECT" in q["sql"]
    ]
    assert token_lookups == []
    assert Submission.objects.count() == 1
    assert len(mailoutbox.undelivered()) == 0  # nothing sent while the family waited for the page


@pytest.mark.django_db
def test_a_post_with_documents_adds_one_insert_each_and_no_count(client, django_assert_num_queries):
    """Each document is one more INSERT; a new submission's documents are numbered without counting them."""
    data = second_opinion_data()
    data["documents"] = [upload(), upload("scan.png", PNG, "image/png")]
    with django_assert_num_queries(POST_QUERIES["second_opinion"] + 2), CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("referrals:second_opinion"), data)
    assert response.status_code == 302
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    submission = Submission.objects.get()
    assert submission.attachments.count() == 2


@pytest.mark.django_db
def test_each_get_gets_a_fresh_form_token(client):
    first = client.get(reverse("referrals:refer")).context["form"].initial["form_token"]
    second = client.get(reverse("referrals:refer")).context["form"].initial["form_token"]
    assert first != second
    assert len(first) >= 40


@pytest.mark.django_db
def test_honeypot_is_hidden_from_people(client):
    html = client.get(reverse("referrals:second_opinion")).content.decode()
    assert 'class="hp-field"' in html
    assert 'aria-hidden="true"' in html
    assert 'name="website"' in html
    assert 'tabindex="-1"' in html
    assert 'autocomplete="off"' in html
    assert "Leave this field empty" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "data_fn", "kind"),
    [
        ("refer", referral_data, "referral"),
        ("second_opinion", second_opinion_data, "second_opinion"),
        ("existing_patient", existing_patient_data, "existing_patient"),
    ],
)
def test_valid_submission_stores_everything_and_redirects(
    client, settings, url_name, data_fn, kind, django_capture_on_commit_callbacks, mailoutbox
):
    data = data_fn()
    if url_name != "existing_patient":
        data["documents"] = [upload("scan.pdf"), upload("card.png", PNG, "image/png")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(f"referrals:{url_name}"), data)
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:confirmation", args=[submission.confirmation_token])
    assert submission.kind == kind
    assert submission.form_token == data["form_token"]
    assert submission.patient_name == MARKERS["patient_name"]
    assert str(submission.patient_dob) == MARKERS["patient_dob"]
    assert submission.language == "en"
    assert submission.status == Submission.Status.NEW
    assert submission.reference.startswith("CIP-") and len(submission.reference) == 13
    assert RecordItem.objects.filter(submission=submission, state="missing").count() == len(RecordItem.Item)
    # The request sends nothing: its emails wait in the outbox for the worker.
    assert set(Notification.objects.filter(submission=submission).values_list("state", flat=True)) == {"pending"}
    assert mail.outbox.undelivered() == []
    if url_name == "refer":
        assert submission.referrer_npi == "1234567893"
        assert submission.submitter_role == "clinician"
        assert submission.urgency == "urgent"
        assert submission.prior_car_t is True
        assert str(submission.contact_phone) == "+44 20 7946 0958"
        assert submission.interpreter_needed is True
        assert submission.family_aware is True
    if url_name == "second_opinion":
        assert submission.consent_to_contact and submission.not_emergency_acknowledged
        assert submission.message == MARKERS["message"]
        assert submission.urgency == "routine"
    if url_name == "existing_patient":
        assert submission.medical_record_number == "MRN0042"
        assert submission.topic == "appointment"
    # Every field the person filled in is stored as they sent it (booleans, dates and phones in their stored form).
    for name, posted in data.items():
        if name in ("form_token", "documents"):
            continue
        stored = getattr(submission, name)
        if isinstance(stored, bool):
            assert stored is (posted == "on"), name
        elif isinstance(stored, date):
            assert stored.isoformat() == posted, name
        elif name.endswith(("_phone", "_fax")):
            assert (stored or "") == (PhoneNumber.from_string(posted, region="US") if posted else ""), name
        else:
            assert stored == posted, name
    expected_files = 0 if url_name == "existing_patient" else 2
    assert submission.attachments.count() == expected_files
    for attachment, sent in zip(submission.attachments.order_by("pk"), data.get("documents", []), strict=True):
        sent.seek(0)
        content = sent.read()
        assert attachment.original_name == sent.name
        assert attachment.size == len(content)
        assert attachment.sha256 == hashlib.sha256(content).hexdigest()
        assert attachment.content_type in ("application/pdf", "image/png")
    assert len(stored_files(settings)) == expected_files
    assert len(mailoutbox) == 2  # the intake inbox and the sender


@pytest.mark.django_db
def test_confirmation_page_shows_reference_and_next_steps_without_phi(client, django_assert_max_num_queries):
    response = client.post(reverse("referrals:refer"), referral_data())
    submission = Submission.objects.get()
    with django_assert_max_num_queries(1):
        page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert submission.reference in html
    assert 'class="reference-number"' in html
    assert submission.is_urgent  # referral_data() marks it urgent: the same-day promise
    assert "the same business day" in html and "2 business days" in html
    assert "Pathology report" in html and "Insurance card" in html
    assert "911" in html
    assert 'name="robots" content="noindex"' in html
    for value in MARKERS.values():
        assert value not in html
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]


@pytest.mark.django_db
def test_unknown_confirmation_token_is_404(client):
    assert client.get(reverse("referrals:confirmation", args=["nope"])).status_code == 404


@pytest.mark.django_db
def test_errors_show_summary_keep_values_and_say_files_must_be_chosen_again(client):
    data = referral_data(referrer_npi="1234567890", patient_dob="", referrer_name="Dr Kept Value")
    data["documents"] = [upload("scan.pdf")]
    response = client.post(reverse("referrals:refer"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and 'tabindex="-1"' in html
    assert 'href="#id_referrer_npi"' in html
    assert 'href="#id_patient_dob"' in html
    assert 'value="Dr Kept Value"' in html
    assert "choose your files again" in html
    assert 'aria-describedby="id_referrer_npi_helptext id_referrer_npi_error"' in html
    assert 'id="id_referrer_npi_error"' in html
    assert 'aria-invalid="true"' in html
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_replayed_post_gives_one_submission(client):
    data = referral_data()
    first = client.post(reverse("referrals:refer"), data)
    second = client.post(reverse("referrals:refer"), data)
    assert Submission.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


@pytest.mark.django_db
def test_replay_works_even_if_the_rest_of_the_form_changed(client):
    data = referral_data()
    client.post(reverse("referrals:refer"), data)
    response = client.post(reverse("referrals:refer"), {**data, "patient_name": ""})
    assert response.status_code == 302
    assert Submission.objects.count() == 1


@pytest.mark.django_db
def test_missing_form_token_is_an_error_at_the_top(client):
    data = referral_data()
    del data["form_token"]
    response = client.post(reverse("referrals:refer"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("This form has expired") == 1  # in the summary, not again below
    assert "{#" not in html and "{%" not in html  # no template syntax leaked from an override
    assert not Submission.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_honeypot_filled_stores_nothing_and_answers_neutrally(client, settings, url_name, mailoutbox):
    data = FORMS[url_name](website="http://spam.example")
    data["documents"] = [upload()]
    response = client.post(reverse(f"referrals:{url_name}"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you" in html
    assert "reference-number" not in html
    assert not Submission.objects.exists()
    assert stored_files(settings) == []
    assert mailoutbox == []


@pytest.mark.django_db
def test_post_with_csrf_token_works():
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("referrals:existing_patient"))
    data = existing_patient_data(csrfmiddlewaretoken=page.context["csrf_token"])
    assert client.post(reverse("referrals:existing_patient"), data).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("length", ["abc", "-5"])
def test_a_malformed_content_length_gets_the_400_page(client, length):
    response = client.generic(
        "POST", reverse("referrals:refer"), b"x=1", content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=length,
    )  # fmt: skip
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_a_filled_honeypot_is_logged_without_form_content(client, caplog):
    with caplog.at_level("INFO", logger="referrals.intake"):
        client.post(reverse("referrals:second_opinion"), second_opinion_data(website="http://spam.example"))
    lines = [record.getMessage() for record in caplog.records if record.name == "referrals.intake"]
    assert lines == ["honeypot filled on second_opinion; nothing stored"]


@pytest.mark.django_db
def test_spanish_submission_records_its_language(client):
    response = client.post(spanish_url("referrals:second_opinion"), second_opinion_data())
    assert response.status_code == 302
    assert response["Location"].startswith("/es/")
    assert Submission.objects.get().language == "es"


@pytest.mark.django_db
def test_body_bigger_than_any_valid_form_gets_413_before_it_is_read(client, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    settings.UPLOAD_MAX_FILES = 2
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5000
    data = second_opinion_data()
    data["documents"] = [upload("a.pdf", b"%PDF-" + b"0" * 8000)]
    response = client.post(reverse("referrals:second_opinion"), data)
    assert response.status_code == 413
    assert "Nothing was saved" in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_size_guard_still_checks_csrf():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("referrals:existing_patient"), existing_patient_data())
    assert response.status_code == 403
    assert not Submission.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_empty_post_lists_every_required_field_in_the_summary(client, url_name):
    form_class = {"refer": ReferralForm, "second_opinion": SecondOpinionForm, "existing_patient": ExistingPatientForm}[
        url_name
    ]
    token = FORMS[url_name]()["form_token"]
    response = client.post(reverse(f"referrals:{url_name}"), {"form_token": token})
    html = response.content.decode()
    assert response.status_code == 200
    for name, field in form_class().fields.items():
        if field.required and name != "form_token":
            anchor = f"id_{name}_0" if getattr(field.widget, "input_type", "") == "radio" else f"id_{name}"
            assert f'href="#{anchor}"' in html, name
            assert f'id="{anchor}"' in html, name
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_existing_patient_confirmation_promises_a_call_back_not_a_review(client):
    response = client.post(reverse("referrals:existing_patient"), existing_patient_data(), follow=True)
    html = response.content.decode()
    assert Submission.objects.get().reference in html
    assert "call you back within 1 business day" in html
    assert "Pathology report" not in html
    assert "reviews them" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_form_pages_have_no_inline_script_or_style(client, url_name):
    import re

    data = FORMS[url_name](patient_name="")
    for response in (client.get(reverse(f"referrals:{url_name}")), client.post(reverse(f"referrals:{url_name}"), data)):
        html = response.content.decode()
        assert " style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert "<style" not in html
