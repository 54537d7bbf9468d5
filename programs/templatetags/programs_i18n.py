"""Marking content shown in English on a page in another language.

``{% lang_attr obj "field" %}`` gives `` lang="en"`` where ``obj.field`` shows the
English for want of the page language's text (so screen readers read it as English),
and nothing otherwise. ``{% untranslated_note obj %}`` says so in the page's language.
"""

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from programs.translated import DEFAULT_LANGUAGE, shows_fallback, translated_fields

register = template.Library()


@register.simple_tag
def lang_attr(obj, field):
    if obj is not None and shows_fallback(obj, field):
        return format_html(' lang="{}"', DEFAULT_LANGUAGE)
    return ""


@register.simple_tag
def untranslated_note(obj, *fields, inline=False):
    """The note, if any of ``fields`` (all of obj's translated fields by default) shows in English.

    Built here rather than by an included template: the tag runs for every item of a list, nearly always to
    say nothing.
    """
    fields = fields or (translated_fields(type(obj)) if obj is not None else ())
    if not any(shows_fallback(obj, field) for field in fields):
        return ""
    language = translation.get_language()
    if inline:
        return format_html(
            ' <span class="untranslated-note" lang="{}">({})</span>',
            language,
            _("not translated yet: shown in English"),
        )
    return format_html(
        '<p class="untranslated-note" lang="{}">{}</p>',
        language,
        _("This part is not translated yet, so it is shown in English."),
    )
