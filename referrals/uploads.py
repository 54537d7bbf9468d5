"""
Keep track of uploaded file names that Django had to clean.

Django's multipart parser quietly rewrites unsafe names before any view sees
them: "../../etc/passwd" arrives as "passwd", control characters are dropped.
The forms promise to *reject* such files with a message instead, so the public
views parse uploads with this parser, which notes every name it altered.
"""

import html
import unicodedata

from django.core.exceptions import ValidationError
from django.http.multipartparser import MultiPartParser
from django.utils.translation import gettext as _

from referrals.validators import display_name, validate_file_name


class NameRecordingParser(MultiPartParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.altered_names = []

    def sanitize_file_name(self, file_name):
        # Unusual spaces (no-break, the narrow no-break space in macOS screenshot names) are ordinary
        # in real file names: keep them as plain spaces instead of counting the name as altered.
        file_name = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in file_name)
        cleaned = super().sanitize_file_name(file_name)
        # HTML entities are not a danger in themselves: compare with them decoded.
        if cleaned != html.unescape(file_name):
            self.altered_names.append(file_name)
        return cleaned


def record_altered_file_names(request):
    """Make this request parse its uploads with NameRecordingParser. Call before request.POST is read.

    Afterwards ``request.altered_file_names`` lists the names as sent.
    """
    request.altered_file_names = []

    def parse_file_upload(META, post_data):
        parser = NameRecordingParser(META, post_data, request.upload_handlers, request.encoding)
        result = parser.parse()
        request.altered_file_names = parser.altered_names
        return result

    request.parse_file_upload = parse_file_upload


def reject_altered_file_names(request, form, field=None):
    """Add the form's message for each file whose name Django's parser had to clean; True if there were none.

    The message is the one the name's own check gives (folders, control
    characters...), else "characters we cannot accept". ``field`` is where the
    errors go (None: the top of the form).
    """
    altered = getattr(request, "altered_file_names", [])
    if not altered:
        return True
    errors = []
    for name in altered:
        try:
            validate_file_name(name)
            errors.append(
                ValidationError(
                    _("“%(name)s”: the file name has characters we cannot accept. Please rename the file.")
                    % {"name": display_name(name)}
                )
            )
        except ValidationError as exc:
            errors.extend(exc.error_list)
    form.add_error(field, errors)
    return False
