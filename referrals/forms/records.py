"""The records link's upload form: one file input per requested record, under exactly the intake's file rules."""

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from referrals.forms.base import FieldErrorSummary
from referrals.forms.fields import MultipleFileField, documents_field
from referrals.models import RecordItem

ITEM_PREFIX = "item_"


class RecordsUploadForm(FieldErrorSummary, forms.Form):
    """Built for one records request: a ``MultipleFileField`` (the intake's) per requested item."""

    error_css_class = "has-error"

    def __init__(self, *args, records_request, **kwargs):
        super().__init__(*args, **kwargs)
        self.records_request = records_request
        for item in records_request.items:
            if item in RecordItem.Item.values:
                field = documents_field()
                field.label = RecordItem.Item(item).label
                field.help_text = ""  # the page says the file rules once, above the inputs
                self.fields[ITEM_PREFIX + item] = field
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> carries the token

    def clean(self):
        cleaned = super().clean()
        files = [
            f
            for name in self.fields
            if isinstance(self.fields[name], MultipleFileField)
            for f in cleaned.get(name) or []
        ]
        if self.errors:
            return cleaned
        if not files:
            raise ValidationError(_("Please choose at least one file to send."), code="required")
        limit = min(self.records_request.files_left, settings.UPLOAD_MAX_FILES)
        if len(files) > limit:
            raise ValidationError(
                _("You chose %(count)d files. You can send at most %(max)d files with this link."),
                code="too_many_files",
                params={"count": len(files), "max": limit},
            )
        return cleaned

    def files_by_item(self):
        """``{item: [files]}`` for the items that got at least one file."""
        return {
            name.removeprefix(ITEM_PREFIX): self.cleaned_data[name]
            for name in self.fields
            if name.startswith(ITEM_PREFIX) and self.cleaned_data.get(name)
        }
