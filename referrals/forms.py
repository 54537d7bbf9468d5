"""
The three public intake forms. They validate; they never save (services do).

Field names match ``Submission`` fields, so a form's ``cleaned_data`` maps onto
the model directly. Every field has a label and plain-language help.
"""

import re
import secrets

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from .models import Submission, age_on
from .validators import validate_npi, validate_upload

MAX_PATIENT_AGE = 30
FORM_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
HONEYPOT_FIELD = "website"


def new_form_token():
    """A one-time token put in each form when it is shown (GET)."""
    return secrets.token_urlsafe(32)


# --- Widgets and fields ---------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input. ``clean`` returns a list (maybe empty)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        # Empty files get our own message (naming the file) in validate_upload.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            files = []
        elif isinstance(data, list | tuple):
            files = [f for f in data if f]
        else:
            files = [data]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > settings.UPLOAD_MAX_FILES:
            raise ValidationError(
                _("You chose %(count)d files. You can send at most %(max)d files with one form."),
                code="too_many_files",
                params={"count": len(files), "max": settings.UPLOAD_MAX_FILES},
            )
        errors = []
        for uploaded in files:
            try:
                uploaded.detected_type = validate_upload(uploaded)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return files


class DateOfBirthField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d")

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        today = timezone.localdate()
        if value > today:
            raise ValidationError(_("The date of birth cannot be in the future."), code="dob_future")
        if age_on(value, today) > MAX_PATIENT_AGE:
            raise ValidationError(
                _(
                    "This program treats children and young adults up to age %(max)d. "
                    "Please check the date of birth. If it is right, please call us to talk about other options."
                ),
                code="dob_too_old",
                params={"max": MAX_PATIENT_AGE},
            )


class PastDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value):
        super().validate(value)
        if value and value > timezone.localdate():
            raise ValidationError(_("This date cannot be in the future."), code="date_future")


def phone_field(label, *, required=True, help_text="", autocomplete="tel"):
    return PhoneNumberField(
        label=label,
        required=required,
        region="US",
        max_length=30,
        help_text=help_text or _("A US number like 215-555-0134, or an international number starting with +."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": autocomplete}),
    )


def email_field(label, *, required=True, help_text=""):
    return forms.EmailField(
        label=label,
        required=required,
        max_length=254,
        help_text=help_text,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def text_field(label, *, max_length=200, required=True, help_text="", autocomplete=None):
    attrs = {"autocomplete": autocomplete} if autocomplete else {}
    return forms.CharField(
        label=label, max_length=max_length, required=required, help_text=help_text, widget=forms.TextInput(attrs)
    )


def long_text_field(label, *, max_length=4000, required=True, help_text="", rows=4):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def choice_field(label, choices, *, required=True, help_text="", radio=False, blank_label=None):
    choices = list(choices)
    if not radio:
        choices = [("", blank_label or _("Choose one"))] + choices
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        help_text=help_text,
        widget=forms.RadioSelect if radio else forms.Select,
    )


def documents_field():
    return MultipleFileField(
        label=_("Documents"),
        required=False,
        help_text=_documents_help(),
    )


def _documents_help_text():
    return gettext(
        "PDF, PNG or JPEG files only, up to %(max_files)d files, each smaller than %(max_mb)d MB. "
        "A clear phone photo of a page is fine. If the form shows an error, you will need to choose "
        "your files again."
    ) % {"max_files": settings.UPLOAD_MAX_FILES, "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}


# Evaluated when the form is shown, in the visitor's language, with today's settings.
_documents_help = lazy(_documents_help_text, str)


# --- Base form -----------------------------------------------------------------


class IntakeForm(forms.Form):
    """What every public form shares: the one-time token and the honeypot."""

    kind = None
    error_css_class = "has-error"
    required_css_class = "required"

    form_token = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={
            "required": _("This form has expired. Please reload the page and fill it in again."),
            "max_length": _("This form has expired. Please reload the page and fill it in again."),
        },
    )
    # The honeypot: hidden from people by CSS, left empty by them; bots fill it.
    website = forms.CharField(
        label=_("Leave this field empty. It is here to stop spam."),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "patient_dob" in self.fields:
            # Date pickers grey out future days (the server checks regardless).
            self.fields["patient_dob"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> carries the token
        self.helper.layout = Layout(
            *self.sections(),
            Field("form_token"),
            Div(Field("website"), css_class="hp-field", aria_hidden="true"),
        )

    def sections(self):
        raise NotImplementedError

    def clean_form_token(self):
        token = self.cleaned_data["form_token"]
        if not FORM_TOKEN_RE.match(token):
            raise ValidationError(
                _("This form has expired. Please reload the page and fill it in again."), code="bad_token"
            )
        return token

    def clean(self):
        cleaned = super().clean()
        if "form_token" in self.errors:
            # A hidden field: the message goes to the top of the form, where people can see it.
            self.add_error(None, self.errors.pop("form_token"))
        if cleaned.get("diagnosis") == Submission.Diagnosis.OTHER and not cleaned.get("diagnosis_other"):
            self.add_error("diagnosis_other", ValidationError(_("Please tell us the diagnosis."), code="required"))
        for flag in ("prior_cd19_therapy", "prior_car_t", "prior_transplant"):
            # A date without the box ticked still means "yes".
            if cleaned.get(f"{flag}_date") and flag in self.fields:
                cleaned[flag] = True
        return cleaned

    @property
    def honeypot_filled(self):
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())

    def error_summary(self):
        """(anchor id, label, message) for each error, in the order the fields appear."""
        items = []
        for name, field in self.fields.items():
            if name not in self.errors or name in ("form_token", HONEYPOT_FIELD):
                continue
            bound = self[name]
            anchor = bound.auto_id
            if isinstance(field.widget, forms.RadioSelect):
                anchor = f"{bound.auto_id}_0"
            for message in self.errors[name]:
                items.append((anchor, field.label, message))
        return items


# --- Refer a patient (physicians) ----------------------------------------------


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
    cd19_status = choice_field(
        _("CD19 status"),
        Submission.CD19Status.choices,
        required=False,
        help_text=_("If you know it."),
        blank_label=_("Not given"),
    )
    prior_cd19_therapy = forms.BooleanField(
        label=_("Had CD19-directed therapy before (for example blinatumomab)"), required=False
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
    interpreter_needed = forms.BooleanField(label=_("The family needs an interpreter"), required=False)

    documents = documents_field()
    family_aware = forms.BooleanField(
        label=_("The patient's family knows about this referral and agrees to be contacted"),
        error_messages={"required": _("Please confirm that the family knows about this referral.")},
    )

    def sections(self):
        return [
            Fieldset(
                _("About you"),
                "referrer_name",
                "referrer_credentials",
                "referrer_npi",
                "referrer_practice",
                "referrer_phone",
                "referrer_fax",
                "referrer_email",
            ),
            Fieldset(
                _("The patient"),
                "patient_name",
                "patient_dob",
                "patient_sex",
                "diagnosis",
                Div("diagnosis_other", css_class="js-other-diagnosis"),
                "disease_status",
                "cd19_status",
                "prior_cd19_therapy",
                "prior_cd19_therapy_date",
                "prior_car_t",
                "prior_car_t_date",
                "prior_transplant",
                "prior_transplant_date",
                "current_treatment",
            ),
            Fieldset(_("Urgency"), "urgency", Div("urgent_reason", css_class="js-urgent-reason")),
            Fieldset(_("Insurance"), "insurance_payer", "insurance_member_id"),
            Fieldset(
                _("Parent or guardian"),
                "contact_name",
                "contact_phone",
                "contact_email",
                "preferred_language",
                "interpreter_needed",
            ),
            Fieldset(_("Supporting documents"), HTML(_documents_intro()), "documents"),
            Fieldset(_("Confirm"), "family_aware"),
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("urgency") == Submission.Urgency.URGENT and not (cleaned.get("urgent_reason") or "").strip():
            self.add_error("urgent_reason", ValidationError(_("Please tell us why it is urgent."), code="required"))
        dob = cleaned.get("patient_dob")
        for name in ("prior_cd19_therapy_date", "prior_car_t_date", "prior_transplant_date"):
            when = cleaned.get(name)
            if dob and when and when < dob:
                self.add_error(
                    name, ValidationError(_("This date is before the date of birth."), code="date_before_birth")
                )
        return cleaned


def _documents_intro():
    # Called when the form is built, so in the visitor's language. HTML() renders
    # its text as a template: no user input ever goes in here.
    return format_html(
        '<p class="form-text">{}</p>',
        gettext(
            "Helpful records: pathology report, flow cytometry or MRD report, treatment summary and insurance "
            "card. You can also send them later."
        ),
    )


# --- New patient or second opinion (families) ---------------------------------


class SecondOpinionForm(IntakeForm):
    kind = Submission.Kind.SECOND_OPINION

    submitter_role = choice_field(
        _("Who is filling in this form?"),
        [
            (Submission.SubmitterRole.PARENT, Submission.SubmitterRole.PARENT.label),
            (Submission.SubmitterRole.ADULT_PATIENT, Submission.SubmitterRole.ADULT_PATIENT.label),
            (Submission.SubmitterRole.OTHER, Submission.SubmitterRole.OTHER.label),
        ],
        radio=True,
    )
    submitter_relationship = text_field(
        _("Your relationship to the patient"),
        max_length=100,
        required=False,
        help_text=_("Needed if you chose “Someone else”. For example grandparent or aunt."),
    )
    contact_name = text_field(_("Your name"), autocomplete="name")
    contact_phone = phone_field(_("Your phone"))
    contact_email = email_field(
        _("Your email"),
        required=False,
        help_text=_("Optional, unless you want us to email you. We send a confirmation here."),
    )
    preferred_contact_method = choice_field(
        _("How should we contact you?"), Submission.ContactMethod.choices, radio=True
    )
    preferred_contact_time = choice_field(
        _("Best time to reach you"), Submission.ContactTime.choices, help_text=_("Eastern Time.")
    )
    preferred_language = text_field(
        _("Your preferred language"), max_length=100, required=False, help_text=_("For example English or Spanish.")
    )
    interpreter_needed = forms.BooleanField(label=_("I would like an interpreter"), required=False)

    patient_name = text_field(_("Patient's full name"), autocomplete="off")
    patient_dob = DateOfBirthField(label=_("Patient's date of birth"), help_text=_("Month, day and year."))
    diagnosis = choice_field(
        _("Diagnosis"), Submission.Diagnosis.choices, radio=True, help_text=_("Choose “Not sure” if you do not know.")
    )
    diagnosis_other = text_field(_("Other diagnosis"), required=False, help_text=_("Needed if you chose “Other”."))

    current_hospital = text_field(_("Hospital where the patient is treated now"), help_text=_("The name and city."))
    current_oncologist = text_field(
        _("Patient's cancer doctor (oncologist)"), required=False, help_text=_("Optional, if you know it.")
    )
    oncologist_phone = phone_field(_("Doctor's phone"), required=False, help_text=_("Optional."), autocomplete="off")
    oncologist_email = email_field(_("Doctor's email"), required=False, help_text=_("Optional."))

    message = long_text_field(
        _("What would you like from our team?"),
        help_text=_("For example: a second opinion, to learn if CAR T-cell therapy could help, or a visit."),
    )
    insurance_payer = text_field(_("Insurance company"), required=False, help_text=_("Optional."))
    insurance_member_id = text_field(_("Member ID"), max_length=64, required=False, help_text=_("Optional."))

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

    def sections(self):
        return [
            Fieldset(
                _("About you"),
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
            Fieldset(
                _("The patient"),
                "patient_name",
                "patient_dob",
                "diagnosis",
                Div("diagnosis_other", css_class="js-other-diagnosis"),
            ),
            Fieldset(
                _("Current care team"), "current_hospital", "current_oncologist", "oncologist_phone", "oncologist_email"
            ),
            Fieldset(_("How we can help"), "message"),
            Fieldset(_("Insurance"), "insurance_payer", "insurance_member_id"),
            Fieldset(_("Documents (optional)"), HTML(_documents_intro()), "documents"),
            Fieldset(_("Please confirm"), "consent_to_contact", "not_emergency_acknowledged"),
        ]

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


class ExistingPatientForm(IntakeForm):
    kind = Submission.Kind.EXISTING_PATIENT

    submitter_role = choice_field(
        _("You are"),
        [
            (Submission.SubmitterRole.PARENT, Submission.SubmitterRole.PARENT.label),
            (Submission.SubmitterRole.ADULT_PATIENT, Submission.SubmitterRole.ADULT_PATIENT.label),
            (Submission.SubmitterRole.OTHER, Submission.SubmitterRole.OTHER.label),
        ],
        radio=True,
    )
    contact_name = text_field(_("Your name"), autocomplete="name")
    patient_name = text_field(_("Patient's full name"), autocomplete="off")
    patient_dob = DateOfBirthField(label=_("Patient's date of birth"), help_text=_("Month, day and year."))
    medical_record_number = text_field(
        _("Medical record number (MRN)"),
        max_length=50,
        required=False,
        help_text=_("Optional. It is on the patient's hospital wristband or paperwork."),
    )
    topic = choice_field(_("What is your message about?"), Submission.Topic.choices)
    message = long_text_field(
        _("Your message"),
        help_text=_("Please do not use this form for urgent medical questions. Call the care team instead."),
    )
    contact_phone = phone_field(_("Phone number to call you back"))
    preferred_contact_time = choice_field(
        _("Best time to call"), Submission.ContactTime.choices, help_text=_("Eastern Time.")
    )
    contact_email = email_field(_("Your email"), required=False, help_text=_("Optional. We send a confirmation here."))
    not_emergency_acknowledged = forms.BooleanField(
        label=_("I understand this form is not for emergencies"),
        help_text=_("In an emergency, call 911 or go to the nearest emergency department."),
        error_messages={"required": _("Please confirm that you understand this form is not for emergencies.")},
    )

    def sections(self):
        return [
            Fieldset(_("About you"), "submitter_role", "contact_name"),
            Fieldset(_("The patient"), "patient_name", "patient_dob", "medical_record_number"),
            Fieldset(_("Your message"), "topic", "message"),
            Fieldset(_("How to reach you"), "contact_phone", "preferred_contact_time", "contact_email"),
            Fieldset(_("Please confirm"), "not_emergency_acknowledged"),
        ]
