"""The admin's upload form: one or more registry JSON files, each checked for name, size and encoding."""

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_FILE_SIZE = 5 * 1024 * 1024
MAX_FILES = 10  # below DATA_UPLOAD_MAX_NUMBER_FILES, past which Django answers 400 before the form sees them


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A list of uploaded files, each cleaned as a ``FileField`` (empty files are refused)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".json,application/json"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            if not data:
                return super().clean(None, initial)
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class StudyImportForm(forms.Form):
    files = MultipleFileField(label=_("Registry files"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled in here, not at import: in the language of the request.
        self.fields["files"].help_text = _(
            "JSON from the ClinicalTrials.gov API (version 2): one study, for example "
            "https://clinicaltrials.gov/api/v2/studies/NCT02435849, or a page of search results. "
            "Up to %(count)d files of %(size)s each."
        ) % {"count": MAX_FILES, "size": filesizeformat(MAX_FILE_SIZE)}

    def clean_files(self):
        """``[(name, bytes)]``, every file a .json of UTF-8 text within the size limit."""
        uploads = self.cleaned_data["files"]
        if len(uploads) > MAX_FILES:
            raise ValidationError(
                _("Upload at most %(max)d files at a time."), code="too_many_files", params={"max": MAX_FILES}
            )
        errors, files = [], []
        for upload in uploads:
            params = {"name": upload.name, "max": filesizeformat(MAX_FILE_SIZE)}
            if not upload.name.lower().endswith(".json"):
                errors.append(
                    ValidationError(
                        _("“%(name)s” is not a .json file. Download the study as JSON from ClinicalTrials.gov."),
                        code="not_json",
                        params=params,
                    )
                )
                continue
            if upload.size > MAX_FILE_SIZE:
                errors.append(ValidationError(_("“%(name)s” is larger than %(max)s."), code="too_large", params=params))
                continue
            data = upload.read()
            try:
                data.decode("utf-8-sig")
            except UnicodeDecodeError:
                errors.append(
                    ValidationError(
                        _("“%(name)s” is not UTF-8 text. Upload the file as downloaded from the registry."),
                        code="not_utf8",
                        params=params,
                    )
                )
                continue
            files.append((upload.name, data))
        if errors:
            raise ValidationError(errors)
        return files
