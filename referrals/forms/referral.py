"""Refer a patient: the form referring physicians and their staff fill in."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from referrals import studies
from referrals.forms.base import IntakeForm, Section, submission_fields
from referrals.forms.fields import (
    DateOfBirthField,
    PastDateField,
    choice_field,
    documents_field,
    email_field,
    long_text_field,
    phone_field,
    text_field,
)
from referrals.models import Submission
from referrals.models.prescreen import MAX_LINES_OF_THERAPY
from referrals.validators import validate_npi

# --- Refer a patient (physicians) ----------------------------------------------


REFERRAL_SECTIONS = (
    Section(
        _("About you"),
        (
            "referrer_name",
            "referrer_credentials",
            "referrer_npi",
            "referrer_practice",
            "referrer_phone",
            "referrer_fax",
            "referrer_email",
        ),
        staff_title=_("Referring clinician"),
    ),
    Section(
        _("The patient"),
        (
            "patient_name",
            "patient_dob",
            "patient_sex",
            "diagnosis",
            "diagnosis_other",
        ),
    ),
    Section(
        _("Disease status and earlier treatment"),
        (
            "disease_status",
            "prior_lines_of_therapy",
            "mrd_result",
            "mrd_level",
            "mrd_method",
            "mrd_date",
            "cd19_status",
            "cd22_status",
            "prior_cd19_therapy",
            "prior_cd19_therapy_date",
            "prior_car_t",
            "prior_car_t_date",
            "prior_transplant",
            "prior_transplant_date",
            "current_treatment",
            "clinical_question",
            "study_nct",
        ),
        staff_title=_("Pre-screen answers"),
    ),
    Section(_("Urgency"), ("urgency", "urgent_reason")),
    Section(_("Insurance"), ("insurance_payer", "insurance_member_id"), collapsed=True),
    Section(
        _("Parent or guardian"),
        ("contact_name", "contact_phone", "contact_email", "preferred_language", "interpreter_needed"),
    ),
    Section(_("Supporting documents"), ("documents",)),
    Section(_("Confirm"), ("family_aware",), collapsed=True),
)


class ReferralForm(IntakeForm):
    kind = Submission.Kind.REFERRAL

    referrer_name = text_field(_("Your name"), autocomplete="name")
    referrer_credentials = text_field(
        _("Credentials"), max_length=50, help_text=_("For example MD, DO, NP or PA."), autocomplete="honorific-suffix"
    )
    referrer_npi = forms.CharField(
        label=_("NPI number"),
        max_length=10,  # no min_length: validate_npi already says "exactly 10 digits"
        validators=[validate_npi],
        help_text=_("Your 10-digit National Provider Identifier."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{10}"}),
    )
    referrer_practice = text_field(_("Practice or hospital"), autocomplete="organization")
    referrer_phone = phone_field(_("Your phone"), help_text=_("A number where our team can reach you or your office."))
    referrer_fax = phone_field(_("Fax"), required=False, help_text=_("Optional."), autocomplete="off")
    referrer_email = email_field(
        _("Your email"), help_text=_("We send the confirmation here. It has the reference number, no patient details.")
    )

    patient_name = text_field(_("Patient's full name"), autocomplete="off")
    patient_dob = DateOfBirthField(label=_("Patient's date of birth"), help_text=_("Month, day and year."))
    patient_sex = choice_field(_("Sex"), Submission.Sex.choices)
    diagnosis = choice_field(_("Diagnosis"), Submission.Diagnosis.choices, radio=True)
    diagnosis_other = text_field(_("Other diagnosis"), required=False, help_text=_("Needed if you chose “Other”."))
    disease_status = choice_field(_("Disease status"), Submission.DiseaseStatus.choices, radio=True)
    prior_lines_of_therapy = forms.IntegerField(
        label=_("Prior lines of therapy"),
        required=False,
        min_value=0,
        max_value=MAX_LINES_OF_THERAPY,
        help_text=_("Optional. Count each regimen, including induction; 0 if none."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    mrd_result = choice_field(
        _("Latest MRD result"), Submission.MRDResult.choices, required=False, blank_label=_("Not given")
    )
    mrd_level = forms.DecimalField(
        label=_("MRD level (%)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=7,
        decimal_places=4,
        help_text=_("Optional. For example 0.05 for 0.05% of cells."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    mrd_method = choice_field(_("MRD method"), Submission.MRDMethod.choices, required=False, blank_label=_("Not given"))
    mrd_date = PastDateField(label=_("Date of the MRD test"), required=False, help_text=_("Optional."))
    cd19_status = choice_field(
        _("CD19 status"),
        Submission.CD19Status.choices,
        required=False,
        help_text=_("If you know it."),
        blank_label=_("Not given"),
    )
    cd22_status = choice_field(
        _("CD22 status"),
        Submission.CD22Status.choices,
        required=False,
        help_text=_("If you know it."),
        blank_label=_("Not given"),
    )
    prior_cd19_therapy = forms.BooleanField(
        label=_("Had blinatumomab or other CD19-directed therapy before"), required=False
    )
    prior_cd19_therapy_date = PastDateField(
        label=_("Date of CD19-directed therapy"), required=False, help_text=_("Optional. An approximate date is fine.")
    )
    prior_car_t = forms.BooleanField(label=_("Had CAR T-cell therapy before"), required=False)
    prior_car_t_date = PastDateField(
        label=_("Date of CAR T-cell therapy"), required=False, help_text=_("Optional. An approximate date is fine.")
    )
    prior_transplant = forms.BooleanField(label=_("Had a stem-cell transplant before"), required=False)
    prior_transplant_date = PastDateField(
        label=_("Date of stem-cell transplant"), required=False, help_text=_("Optional. An approximate date is fine.")
    )
    current_treatment = long_text_field(
        _("Current treatment"), required=False, help_text=_("Optional. What the patient is getting now.")
    )
    clinical_question = long_text_field(
        _("Your clinical question"),
        max_length=2000,
        required=False,
        rows=3,
        help_text=_("Optional. For example: is the patient a candidate for CAR T-cell therapy or a clinical trial?"),
    )
    study_nct = forms.CharField(label=_("Study"), required=False, max_length=11, widget=forms.HiddenInput)
    urgency = choice_field(
        _("How soon should we act?"),
        Submission.Urgency.choices,
        radio=True,
        help_text=_("Choose “Urgent” if the patient needs to be seen within days."),
    )
    urgent_reason = long_text_field(
        _("Why is it urgent?"), max_length=2000, required=False, rows=3, help_text=_("Needed if you chose “Urgent”.")
    )

    insurance_payer = text_field(_("Insurance company"), required=False, help_text=_("Optional, if you know it."))
    insurance_member_id = text_field(_("Member ID"), max_length=64, required=False, help_text=_("Optional."))

    contact_name = text_field(_("Parent or guardian's name"), help_text=_("Or the patient, if 18 or older."))
    contact_phone = phone_field(_("Parent or guardian's phone"))
    contact_email = email_field(_("Parent or guardian's email"), required=False, help_text=_("Optional."))
    preferred_language = text_field(
        _("Family's preferred language"), max_length=100, required=False, help_text=_("For example English or Spanish.")
    )
    interpreter_needed = forms.BooleanField(
        label=_("The family needs an interpreter (free to the family)"), required=False
    )

    documents = documents_field()
    family_aware = forms.BooleanField(
        label=_("The patient's family knows about this referral and agrees to be contacted"),
        error_messages={"required": _("Please confirm that the family knows about this referral.")},
    )

    sections = REFERRAL_SECTIONS

    class Meta:
        model = Submission
        fields = submission_fields(REFERRAL_SECTIONS)

    def clean_study_nct(self):
        nct = self.cleaned_data["study_nct"]
        if nct and studies.study_named(nct) is None:
            raise ValidationError(
                _("The study this form was opened for is not in our list. Please open the form again."),
                code="unknown_study",
            )
        return nct

    def clean(self):
        cleaned = super().clean()
        if "study_nct" in self.errors:
            self.add_error(None, self.errors.pop("study_nct"))  # a hidden field: its message goes to the top
        if cleaned.get("mrd_result") == Submission.MRDResult.UNDETECTABLE and cleaned.get("mrd_level"):
            self.add_error(
                "mrd_level",
                ValidationError(_("An undetectable MRD result has no level. Clear one of them."), code="mrd_level"),
            )
        if cleaned.get("urgency") == Submission.Urgency.URGENT and not (cleaned.get("urgent_reason") or "").strip():
            self.add_error("urgent_reason", ValidationError(_("Please tell us why it is urgent."), code="required"))
        dob = cleaned.get("patient_dob")
        for name in ("mrd_date", "prior_cd19_therapy_date", "prior_car_t_date", "prior_transplant_date"):
            when = cleaned.get(name)
            if dob and when and when < dob:
                self.add_error(
                    name, ValidationError(_("This date is before the date of birth."), code="date_before_birth")
                )
        return cleaned
