"""The families' forms: a new-patient visit or second opinion, and a message from an existing patient."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from referrals.forms.base import IntakeForm, Section, local_time_help, submission_fields
from referrals.forms.fields import (
    DateOfBirthField,
    choice_field,
    documents_field,
    email_field,
    long_text_field,
    phone_field,
    text_field,
)
from referrals.models import Submission

# Who fills in a family's form: anyone but a clinician (clinicians use the referral form).
FAMILY_ROLES = [
    (role, role.label)
    for role in (
        Submission.SubmitterRole.PARENT,
        Submission.SubmitterRole.ADULT_PATIENT,
        Submission.SubmitterRole.OTHER,
    )
]

# --- New patient or second opinion (families) ---------------------------------


SECOND_OPINION_SECTIONS = (
    Section(
        _("About you"),
        (
            "submitter_role",
            "submitter_relationship",
            "contact_name",
            "contact_phone",
            "contact_email",
            "preferred_contact_method",
            "preferred_contact_time",
            "preferred_language",
            "interpreter_needed",
        ),
        staff_title=_("Contact"),
    ),
    Section(_("The patient"), ("patient_name", "patient_dob", "diagnosis", "diagnosis_other")),
    Section(
        _("Treatment so far"),
        ("disease_status", "prior_cd19_therapy", "prior_car_t", "prior_transplant"),
        staff_title=_("Pre-screen (from the family)"),
    ),
    Section(
        _("Current care team"),
        ("current_hospital", "current_oncologist", "oncologist_phone", "oncologist_email"),
        collapsed=True,
    ),
    Section(_("How we can help"), ("message",)),
    Section(_("Insurance"), ("insurance_payer", "insurance_member_id"), collapsed=True),
    Section(_("Documents (optional)"), ("documents",)),
    Section(_("Please confirm"), ("consent_to_contact", "not_emergency_acknowledged"), collapsed=True),
)


class SecondOpinionForm(IntakeForm):
    kind = Submission.Kind.SECOND_OPINION

    submitter_role = choice_field(
        _("Who is filling in this form?"),
        FAMILY_ROLES,
        radio=True,
    )
    submitter_relationship = text_field(
        _("Your relationship to the patient"),
        max_length=100,
        required=False,
        help_text=_("Fill this in if you chose “Someone else”. For example: grandparent or aunt."),
    )
    contact_name = text_field(_("Your name"), autocomplete="name")
    contact_phone = phone_field(_("Your phone"))
    contact_email = email_field(
        _("Your email"),
        required=False,
        help_text=_("Optional. We need it if you want us to email you. We will email you to say we got your form."),
    )
    preferred_contact_method = choice_field(
        _("How should we contact you?"), Submission.ContactMethod.choices, radio=True
    )
    preferred_contact_time = choice_field(
        _("Best time to reach you"), Submission.ContactTime.choices, help_text=local_time_help
    )
    preferred_language = text_field(
        _("Your preferred language"), max_length=100, required=False, help_text=_("For example English or Spanish.")
    )
    interpreter_needed = forms.BooleanField(
        label=_("I would like a free interpreter"),
        required=False,
        help_text=_("Interpreters are free. They can help by phone or in person, in many languages."),
    )

    patient_name = text_field(_("Patient's full name"), autocomplete="off")
    patient_dob = DateOfBirthField(label=_("Patient's date of birth"), help_text=_("Month, day and year."))
    diagnosis = choice_field(
        _("Diagnosis"),
        Submission.Diagnosis.choices,
        radio=True,
        help_text=_("Use the name on the patient's reports. Choose “Not sure” if you do not know."),
    )
    diagnosis_other = text_field(
        _("Other diagnosis"), required=False, help_text=_("Fill this in if you chose “Other”.")
    )

    disease_status = forms.ChoiceField(
        label=_("Has the cancer come back, or not gone away?"),
        required=False,
        choices=[
            (Submission.DiseaseStatus.FIRST_RELAPSE, _("Yes, it came back once")),
            (Submission.DiseaseStatus.SECOND_RELAPSE, _("Yes, it came back more than once")),
            (Submission.DiseaseStatus.REFRACTORY, _("It did not go away with treatment")),
            (Submission.DiseaseStatus.MRD_POSITIVE, _("A test still finds a few cancer cells (MRD)")),
            ("", _("I am not sure")),
        ],
        widget=forms.RadioSelect,
        help_text=_("Optional. Choose “I am not sure” if you do not know. Our team will ask the doctors."),
    )
    prior_cd19_therapy = forms.BooleanField(
        label=_("The patient has had blinatumomab (Blincyto)"),
        required=False,
        help_text=_("A medicine that is given through a vein for many days."),
    )
    prior_car_t = forms.BooleanField(label=_("The patient has had CAR T-cell therapy before"), required=False)
    prior_transplant = forms.BooleanField(
        label=_("The patient has had a bone marrow (stem cell) transplant"), required=False
    )

    current_hospital = text_field(_("Hospital where the patient is treated now"), help_text=_("The name and city."))
    current_oncologist = text_field(
        _("Patient's cancer doctor (oncologist)"), required=False, help_text=_("Optional. Fill it in if you know it.")
    )
    oncologist_phone = phone_field(_("Doctor's phone"), required=False, help_text=_("Optional."), autocomplete="off")
    oncologist_email = email_field(_("Doctor's email"), required=False, help_text=_("Optional."))

    message = long_text_field(
        _("What would you like from our team?"),
        help_text=_(
            "For example: a visit, or a second opinion (another doctor's view). Or you may want to know if "
            "CAR T-cell therapy could help. CAR T-cell therapy uses the patient's own immune cells to fight "
            "leukemia."
        ),
    )
    insurance_payer = text_field(_("Insurance company"), required=False, help_text=_("Optional."))
    insurance_member_id = text_field(
        _("Member ID"), max_length=64, required=False, help_text=_("Optional. It is on the insurance card.")
    )

    documents = documents_field()
    consent_to_contact = forms.BooleanField(
        label=_("I agree that the program's team may contact me about this request"),
        error_messages={"required": _("Please agree so that we can contact you.")},
    )
    not_emergency_acknowledged = forms.BooleanField(
        label=_("I understand this form is not for emergencies"),
        help_text=_("In an emergency, call 911 or go to the nearest emergency department."),
        error_messages={"required": _("Please confirm that you understand this form is not for emergencies.")},
    )

    sections = SECOND_OPINION_SECTIONS

    class Meta:
        model = Submission
        fields = submission_fields(SECOND_OPINION_SECTIONS)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("submitter_role") == Submission.SubmitterRole.OTHER and not cleaned.get(
            "submitter_relationship"
        ):
            self.add_error(
                "submitter_relationship",
                ValidationError(_("Please tell us how you are related to the patient."), code="required"),
            )
        if cleaned.get("preferred_contact_method") == Submission.ContactMethod.EMAIL and not cleaned.get(
            "contact_email"
        ):
            self.add_error(
                "contact_email",
                ValidationError(_("Please give an email address so we can email you."), code="required"),
            )
        return cleaned


# --- Existing patients and family members --------------------------------------


EXISTING_PATIENT_SECTIONS = (
    Section(_("About you"), ("submitter_role", "contact_name"), staff_title=_("Contact")),
    Section(_("The patient"), ("patient_name", "patient_dob", "medical_record_number")),
    Section(_("Your message"), ("topic", "message")),
    Section(_("How to reach you"), ("contact_phone", "preferred_contact_time", "contact_email")),
    Section(_("Please confirm"), ("not_emergency_acknowledged",), collapsed=True),
)


class ExistingPatientForm(IntakeForm):
    kind = Submission.Kind.EXISTING_PATIENT

    submitter_role = choice_field(
        _("Who is filling in this form?"),
        FAMILY_ROLES,
        radio=True,
    )
    contact_name = text_field(_("Your name"), autocomplete="name")
    patient_name = text_field(_("Patient's full name"), autocomplete="off")
    patient_dob = DateOfBirthField(label=_("Patient's date of birth"), help_text=_("Month, day and year."))
    medical_record_number = text_field(
        _("Medical record number (MRN)"),
        max_length=50,
        required=False,
        help_text=_(
            "Optional. It is the patient's number at our hospital. It is on the hospital wristband or paperwork."
        ),
    )
    topic = choice_field(_("What is your message about?"), Submission.Topic.choices)
    message = long_text_field(
        _("Your message"),
        help_text=_("Please do not use this form for urgent medical questions. Call the care team instead."),
    )
    contact_phone = phone_field(_("Phone number to call you back"))
    preferred_contact_time = choice_field(
        _("Best time to call"), Submission.ContactTime.choices, help_text=local_time_help
    )
    contact_email = email_field(
        _("Your email"), required=False, help_text=_("Optional. We will email you to say we got your message.")
    )
    not_emergency_acknowledged = forms.BooleanField(
        label=_("I understand this form is not for emergencies"),
        help_text=_("In an emergency, call 911 or go to the nearest emergency department."),
        error_messages={"required": _("Please confirm that you understand this form is not for emergencies.")},
    )

    sections = EXISTING_PATIENT_SECTIONS

    class Meta:
        model = Submission
        fields = submission_fields(EXISTING_PATIENT_SECTIONS)
