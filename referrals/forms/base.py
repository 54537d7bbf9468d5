"""What every intake form shares: the one-time token, the honeypot, and a page built from its ``sections``."""

import re
import secrets
from typing import NamedTuple

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import cached_property, lazy
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from referrals.models import Submission

FORM_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
HONEYPOT_FIELD = "website"


def new_form_token():
    """A one-time token put in each form when it is shown (GET)."""
    return secrets.token_urlsafe(32)


# --- Sections: the one list of what a form asks ------------------------------------


class Section(NamedTuple):
    """One group of questions: a fieldset on the public form and on the admin change page."""

    title: str
    fields: tuple
    staff_title: str | None = None  # the admin's heading, when coordinators call it something else
    collapsed: bool = False  # folded away on the admin change page


def submission_fields(sections):
    """The ``Submission`` fields the sections ask for, in order (``Meta.fields``)."""
    model_fields = {field.name for field in Submission._meta.get_fields()}
    return [name for section in sections for name in section.fields if name in model_fields]


def _local_time_help():
    zone = timezone.localtime().tzname()
    return gettext("Our local time (%(zone)s).") % {"zone": zone}


# Evaluated when the form is shown, so it follows the TIME_ZONE setting and the season.
local_time_help = lazy(_local_time_help, str)()

# Questions shown only once an earlier answer needs them (static/js/intake.js); always there without JavaScript.
REVEALED = {"diagnosis_other": "js-other-diagnosis", "urgent_reason": "js-urgent-reason"}


class FieldErrorSummary:
    """``error_summary()`` for a plain form (the error summary template): (anchor, label, message) in field order."""

    def error_summary(self):
        return [
            (self[name].auto_id, self.fields[name].label, message)
            for name in self.fields
            if name in self.errors
            for message in self.errors[name]
        ]


# --- Base form -----------------------------------------------------------------


class IntakeForm(forms.ModelForm):
    """What every public form shares: the one-time token, the honeypot, and a layout built from ``sections``."""

    kind = None
    sections = ()
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
        self.instance.kind = self.kind
        if "patient_dob" in self.fields:
            # Date pickers grey out future days (the server checks regardless).
            self.fields["patient_dob"].widget.attrs["max"] = timezone.localdate().isoformat()

    @cached_property
    def helper(self):
        """crispy-forms' layout: built when the form is shown, not for a POST that validates and is stored."""
        helper = FormHelper(self)
        helper.form_tag = False
        helper.disable_csrf = True  # the template's <form> carries the token
        helper.layout = Layout(
            *(Fieldset(section.title, *self._layout_items(section)) for section in self.sections),
            Field("form_token"),
            Div(Field(HONEYPOT_FIELD), css_class="hp-field", aria_hidden="true"),
        )
        return helper

    @staticmethod
    def _layout_items(section):
        for name in section.fields:
            if name == "documents":
                yield HTML(_documents_intro())
                yield name
            elif name in REVEALED:
                yield Div(name, css_class=REVEALED[name])
            else:
                yield name

    @classmethod
    def staff_fieldsets(cls):
        """The admin change page's read-only fieldsets for this kind: the sections' model fields, in order.

        A yes/no question followed by its date shares a line; the patient's age follows the date of birth.
        """
        fieldsets = []
        for section in cls.sections:
            lines = []
            for name in submission_fields([section]):
                if lines and name == f"{lines[-1]}_date":
                    lines[-1] = (lines[-1], name)
                    continue
                lines.append(name)
                if name == "patient_dob":
                    lines.append("patient_age_display")
            if lines:
                options = {"fields": lines, "classes": ["collapse"] if section.collapsed else []}
                fieldsets.append((section.staff_title or section.title, options))
        return fieldsets

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

    def error_summary(self):
        """(anchor id, label, message) for each error, in the order the fields appear on the page."""
        on_page = [name for section in self.sections for name in section.fields]
        items = []
        for name in dict.fromkeys([*on_page, *self.fields]):
            if name not in self.errors or name not in self.fields or name in ("form_token", HONEYPOT_FIELD):
                continue
            field = self.fields[name]
            bound = self[name]
            anchor = bound.auto_id
            if isinstance(field.widget, forms.RadioSelect):
                anchor = f"{bound.auto_id}_0"
            for message in self.errors[name]:
                items.append((anchor, field.label, message))
        return items


def _documents_intro():
    # Called when the form is built, so in the visitor's language. HTML() renders
    # its text as a template: no user input ever goes in here.
    return format_html(
        '<p class="form-text">{}</p>',
        gettext(
            "Records that help us: the pathology report, the flow cytometry or MRD report, a treatment summary "
            "and the insurance card. The pathology report is the lab report that shows the diagnosis. The MRD "
            "report comes from a test that looks for leukemia cells left after treatment. You can also send "
            "these records later."
        ),
    )
