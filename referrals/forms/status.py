"""The status page's form: a reference number and the patient's date of birth. It validates; it never looks anything up."""

import re

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.forms.base import FieldErrorSummary
from referrals.forms.fields import DateOfBirthField
from referrals.services.intake import REFERENCE_ALPHABET

# What people type between the characters: spaces, dashes of any kind, dots, underscores.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_.]+")
_CODE = re.compile(f"[{REFERENCE_ALPHABET}]{{8}}")


def normalise_reference(value):
    """``"cip 7kq2 9xhd"``, ``"CIP7KQ29XHD"`` or ``"7KQ2-9XHD"`` -> ``"CIP-7KQ2-9XHD"``; None when it cannot be one."""
    compact = _SEPARATORS.sub("", str(value or "")).upper()
    if len(compact) == 11 and compact.startswith("CIP"):
        compact = compact[3:]
    if not _CODE.fullmatch(compact):
        return None
    return f"CIP-{compact[:4]}-{compact[4:]}"


class LookupDateOfBirthField(DateOfBirthField):
    """The intake forms' date-of-birth input, without their age limit: a patient may have passed it since."""

    def validate(self, value):
        forms.DateField.validate(self, value)
        if value and value > timezone.localdate():
            raise ValidationError(_("The date of birth cannot be in the future."), code="dob_future")


class StatusLookupForm(FieldErrorSummary, forms.Form):
    error_css_class = "has-error"
    required_css_class = "required"

    reference = forms.CharField(
        label=_("Reference number"),
        # Room for what people type around the 13 characters (spaces, dashes); the shape is checked below.
        max_length=40,
        help_text=_("It starts with CIP, for example CIP-7KQ2-9XHD. It is on the page you saw after sending the form."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    patient_dob = LookupDateOfBirthField(
        label=_("Patient's date of birth"),
        help_text=_("The date of birth given on the form."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Date pickers grey out future days (the server checks regardless).
        self.fields["patient_dob"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> carries the token

    def clean_reference(self):
        reference = normalise_reference(self.cleaned_data["reference"])
        if reference is None:
            raise ValidationError(
                _(
                    "Please check the reference number. It has CIP and 8 letters and numbers, "
                    "for example CIP-7KQ2-9XHD, with no 0, 1, I, L or O."
                ),
                code="reference_shape",
            )
        return reference

    def reference_tried(self):
        """The normalised reference when what was typed had its shape (even if another field failed), else ``""``."""
        if not self.is_bound:
            return ""
        self.is_valid()  # runs the cleaning once; later calls reuse it
        return self.cleaned_data.get("reference", "")

    def not_found(self):
        """The one answer for every well-formed pair that matches nothing: the same words whatever was wrong."""
        self.add_error(
            None,
            ValidationError(
                _(
                    "We could not find a request with this reference number and date of birth. "
                    "Please check both and try again."
                ),
                code="not_found",
            ),
        )
