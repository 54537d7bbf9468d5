"""One list of intake fields: a question added to the model and one form shows up on the admin change page and in
the CSV, with nothing else touched (no service whitelist, no admin fieldset, no export column list)."""

import csv
import io
import secrets

import pytest
from django.db import connection, models
from django.urls import reverse

from referrals import forms as intake_forms
from referrals.forms import INTAKE_FORMS, ReferralForm, Section, submission_fields
from referrals.models import Submission
from referrals.services import intake
from tests.referrals.factories import PASSWORD, make_coordinator, referral_data, verified_client

NEW_FIELD = "shoe_size"


@pytest.fixture
def submission_with_a_new_field(monkeypatch):
    """``Submission.shoe_size`` exists (model and table) for the test's duration, and the referral form asks it."""
    field = models.CharField("shoe size", max_length=10, blank=True, default="")
    field.set_attributes_from_name(NEW_FIELD)
    Submission.add_to_class(NEW_FIELD, field)
    with connection.schema_editor() as editor:
        editor.add_field(Submission, field)

    # What a developer writes: the question in one of the form's sections; Meta.fields follows from them.
    sections = (*ReferralForm.sections, Section("Shoes", (NEW_FIELD,)))

    class ReferralFormWithShoeSize(ReferralForm):
        class Meta(ReferralForm.Meta):
            fields = submission_fields(sections)

    ReferralFormWithShoeSize.sections = sections

    monkeypatch.setitem(INTAKE_FORMS, Submission.Kind.REFERRAL, ReferralFormWithShoeSize)
    monkeypatch.setattr(intake_forms, "ReferralForm", ReferralFormWithShoeSize)
    yield ReferralFormWithShoeSize
    with connection.schema_editor() as editor:
        editor.remove_field(Submission, field)
    Submission._meta.local_fields.remove(field)
    Submission._meta._expire_cache()
    delattr(Submission, NEW_FIELD)


@pytest.mark.django_db(transaction=True)
def test_a_field_added_to_the_model_and_one_form_appears_in_the_admin_and_the_csv(submission_with_a_new_field):
    form = submission_with_a_new_field(referral_data(shoe_size="EU 31"))
    assert form.is_valid(), form.errors
    assert NEW_FIELD in form.fields  # Django's default form field, from the model
    submission = intake.submit(form=form)
    submission.refresh_from_db()
    assert submission.shoe_size == "EU 31"  # the service took it from the form, with no list of its own

    coordinator = make_coordinator(f"coord{secrets.token_hex(3)}", PASSWORD)
    client = verified_client(coordinator)
    page = client.get(reverse("admin:referrals_submission_change", args=[submission.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Shoe size" in html and "EU 31" in html
    assert "Shoes" in html  # the section's heading

    export = client.post(
        reverse("admin:referrals_submission_changelist"), {"action": "export_csv", "_selected_action": [submission.pk]}
    )
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    header, row = rows[0], rows[1]
    assert "Shoe size" in header
    assert row[header.index("Shoe size")] == "EU 31"


def test_each_forms_fields_are_its_sections_model_fields():
    for form_class in INTAKE_FORMS.values():
        expected = submission_fields(form_class.sections)
        assert list(form_class._meta.fields) == expected
        asked = [name for section in form_class.sections for name in section.fields]
        assert set(form_class.base_fields) == {*asked, "form_token", "website"}
