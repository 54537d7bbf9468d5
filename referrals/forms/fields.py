"""The intake forms' fields: files, dates, phones, and builders that give every field a label and help."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from referrals.models import age_on
from referrals.validators import validate_upload

MAX_PATIENT_AGE = 30


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
    # The region for numbers typed without "+" is settings.PHONENUMBER_DEFAULT_REGION.
    return PhoneNumberField(
        label=label,
        required=required,
        max_length=30,
        help_text=help_text or _("A US number like 215-555-0134. For a number outside the US, start with +."),
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
        "You can send up to %(max_files)d files. Each one must be a PDF, PNG or JPEG file smaller than "
        "%(max_mb)d MB. A clear photo of a page, taken with a phone, is fine. If the form shows an error, "
        "please choose your files again."
    ) % {"max_files": settings.UPLOAD_MAX_FILES, "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}


# Evaluated when the form is shown, in the visitor's language, with today's settings.
_documents_help = lazy(_documents_help_text, str)
