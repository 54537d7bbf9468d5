"""Form validation: required fields, NPI, dates, phones, conditional fields, token, files."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from referrals.forms import ExistingPatientForm, ReferralForm, SecondOpinionForm
from referrals.validators import npi_is_valid

from .factories import existing_patient_data, referral_data, second_opinion_data

# The forms are ModelForms: validating one checks the model's constraints, in the database.
pytestmark = pytest.mark.django_db

FORM_CASES = [
    (ReferralForm, referral_data),
    (SecondOpinionForm, second_opinion_data),
    (ExistingPatientForm, existing_patient_data),
]


def required_fields(form_class):
    form = form_class()
    return [name for name, field in form.fields.items() if field.required and name != "form_token"]


REQUIRED_CASES = [
    (form_class, data_fn, name) for form_class, data_fn in FORM_CASES for name in required_fields(form_class)
]


@pytest.mark.parametrize(("form_class", "data_fn"), FORM_CASES)
def test_valid_data_is_valid(form_class, data_fn):
    form = form_class(data_fn())
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("form_class", "data_fn", "field"), REQUIRED_CASES, ids=[f"{c.__name__}-{n}" for c, _d, n in REQUIRED_CASES]
)
def test_each_required_field_missing_gives_its_error(form_class, data_fn, field):
    data = data_fn()
    data.pop(field)
    form = form_class(data)
    assert not form.is_valid()
    assert field in form.errors
    assert form.errors.as_data()[field][0].code == "required"


def test_required_fields_are_what_the_issue_asks_for():
    assert set(required_fields(ReferralForm)) == {
        "referrer_name",
        "referrer_credentials",
        "referrer_npi",
        "referrer_practice",
        "referrer_phone",
        "referrer_email",
        "patient_name",
        "patient_dob",
        "patient_sex",
        "diagnosis",
        "disease_status",
        "urgency",
        "contact_name",
        "contact_phone",
        "family_aware",
    }
    assert "consent_to_contact" in required_fields(SecondOpinionForm)
    assert "not_emergency_acknowledged" in required_fields(SecondOpinionForm)
    assert set(required_fields(ExistingPatientForm)) >= {"contact_name", "patient_name", "patient_dob", "message"}


@pytest.mark.parametrize("npi", ["1234567893", "1295723567"])
def test_valid_npi_accepted(npi):
    assert npi_is_valid(npi)
    form = ReferralForm(referral_data(referrer_npi=npi))
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("npi", "code"),
    [
        ("1234567890", "npi_checksum"),
        ("123456789", "npi_format"),
        ("12345678ab", "npi_format"),
        # str.isdigit() says yes to these; int() fails on "²", and the others are not what an exact search finds.
        ("123456789\u00b2", "npi_format"),
        ("\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff13", "npi_format"),
        ("\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0663", "npi_format"),
    ],
)
def test_invalid_npi_rejected(npi, code):
    assert not npi_is_valid(npi)
    form = ReferralForm(referral_data(referrer_npi=npi))
    assert not form.is_valid()
    # One clear message, not two saying the same thing.
    assert [e.code for e in form.errors.as_data()["referrer_npi"]] == [code]


@pytest.mark.parametrize(("form_class", "data_fn"), FORM_CASES)
def test_future_date_of_birth_rejected(form_class, data_fn):
    tomorrow = timezone.localdate() + timedelta(days=1)
    form = form_class(data_fn(patient_dob=tomorrow.isoformat()))
    assert not form.is_valid()
    assert form.errors.as_data()["patient_dob"][0].code == "dob_future"


def test_dob_today_accepted_and_age_over_30_rejected_with_clear_message():
    today = timezone.localdate()
    assert ReferralForm(referral_data(patient_dob=today.isoformat(), prior_car_t="", prior_car_t_date="")).is_valid()
    old = date(today.year - 31, 1, 1)
    form = ReferralForm(referral_data(patient_dob=old.isoformat()))
    assert not form.is_valid()
    assert form.errors.as_data()["patient_dob"][0].code == "dob_too_old"
    assert "30" in form.errors["patient_dob"][0]


def test_dob_accepts_us_format():
    form = SecondOpinionForm(second_opinion_data(patient_dob="03/17/2015"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["patient_dob"] == date(2015, 3, 17)


@pytest.mark.parametrize("phone", ["215-555-013", "hello", "+1 999"])
def test_bad_phone_rejected(phone):
    form = SecondOpinionForm(second_opinion_data(contact_phone=phone))
    assert not form.is_valid()
    assert "contact_phone" in form.errors


def test_us_and_international_phones_accepted():
    form = ReferralForm(referral_data(referrer_phone="(215) 555-0134", contact_phone="+34 612 345 678"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["referrer_phone"].as_e164 == "+12155550134"
    assert form.cleaned_data["contact_phone"].as_e164 == "+34612345678"


def test_bad_email_and_long_values_rejected():
    form = ReferralForm(
        referral_data(referrer_email="not-an-email", patient_name="x" * 201, current_treatment="y" * 4001)
    )
    assert not form.is_valid()
    assert {"referrer_email", "patient_name", "current_treatment"} <= set(form.errors)


def test_other_diagnosis_needs_text():
    form = ReferralForm(referral_data(diagnosis="other", diagnosis_other=""))
    assert not form.is_valid()
    assert "diagnosis_other" in form.errors
    assert ReferralForm(referral_data(diagnosis="b_all", diagnosis_other="")).is_valid()


def test_urgent_needs_a_reason_routine_does_not():
    form = ReferralForm(referral_data(urgency="urgent", urgent_reason="  "))
    assert not form.is_valid()
    assert "urgent_reason" in form.errors
    assert ReferralForm(referral_data(urgency="routine", urgent_reason="")).is_valid()


def test_prior_therapy_dates_optional_not_future_not_before_birth():
    assert ReferralForm(referral_data(prior_car_t="on", prior_car_t_date="")).is_valid()
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert "prior_car_t_date" in ReferralForm(referral_data(prior_car_t_date=future)).errors
    assert "prior_transplant_date" in ReferralForm(referral_data(prior_transplant_date="2010-01-01")).errors
    form = ReferralForm(referral_data(prior_transplant="", prior_transplant_date="2020-01-01"))
    assert form.is_valid()
    assert form.cleaned_data["prior_transplant"] is True  # a date means yes


def test_someone_else_needs_relationship_and_email_method_needs_email():
    form = SecondOpinionForm(second_opinion_data(submitter_role="other", submitter_relationship=""))
    assert "submitter_relationship" in form.errors
    form = SecondOpinionForm(second_opinion_data(preferred_contact_method="email", contact_email=""))
    assert "contact_email" in form.errors


@pytest.mark.parametrize("bad_token", ["", "short", "x" * 65, "has spaces in it and is long enough to pass len"])
def test_form_token_must_be_present_and_well_formed(bad_token):
    form = ReferralForm(referral_data(form_token=bad_token))
    assert not form.is_valid()
    assert form.non_field_errors()
    assert "form_token" not in form.errors  # moved to the top of the form, where people see it


def test_clinician_cannot_pick_roles_meant_for_families():
    form = SecondOpinionForm(second_opinion_data(submitter_role="clinician"))
    assert "submitter_role" in form.errors


def test_error_summary_links_each_field_in_error():
    form = ReferralForm(referral_data(referrer_npi="1234567890", diagnosis="", urgency="urgent", urgent_reason=""))
    assert not form.is_valid()
    anchors = [anchor for anchor, _label, _message in form.error_summary()]
    assert anchors == ["id_referrer_npi", "id_diagnosis_0", "id_urgent_reason"]


def test_every_field_has_a_label_and_visible_fields_have_help_or_are_obvious():
    for form_class, _data in FORM_CASES:
        for name, field in form_class().fields.items():
            if name == "form_token":
                continue
            assert field.label, f"{form_class.__name__}.{name} has no label"
