"""Content text per language (django-modeltranslation): which fields are translated, and what is missing.

Each translated field ``title`` has a column per language (``title_en``, ``title_es``).
Reading ``title`` gives the active language's text, or the English when that is
empty. The functions here tell a page when it is showing that English fallback, so
it can mark it (``lang="en"`` and a note) rather than pass it off as a translation.
"""

from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from modeltranslation.translator import NotRegistered, translator
from modeltranslation.utils import build_localized_fieldname

DEFAULT_LANGUAGE = settings.LANGUAGE_CODE
OTHER_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES if code != DEFAULT_LANGUAGE)


def translated_fields(model):
    """The names of ``model``'s translated fields, in declaration order; () if it has none."""
    try:
        options = translator.get_options_for_model(model)
    except NotRegistered:
        return ()
    return tuple(field.name for field in model._meta.fields if field.name in options.fields)


def text_in(obj, field, language):
    """``obj``'s own text of ``field`` in ``language``, without falling back."""
    return getattr(obj, build_localized_fieldname(field, language), None) or ""


def shows_fallback(obj, field, language=None):
    """Whether ``obj.field`` shows the English in ``language`` (the active one by default) for want of its own."""
    language = language or translation.get_language() or DEFAULT_LANGUAGE
    if language == DEFAULT_LANGUAGE or field not in translated_fields(type(obj)):
        return False
    return not text_in(obj, field, language) and bool(text_in(obj, field, DEFAULT_LANGUAGE))


def untranslated_fields(obj, language=None):
    """The translated fields of ``obj`` whose text shows in English in ``language`` for want of its own."""
    return [field for field in translated_fields(type(obj)) if shows_fallback(obj, field, language)]


def missing_translation_q(model, languages=OTHER_LANGUAGES):
    """Rows of ``model`` with English text in some field that lacks its text in one of ``languages``."""
    conditions = [
        (
            Q(**{build_localized_fieldname(field, language): ""})
            | Q(**{f"{build_localized_fieldname(field, language)}__isnull": True})
        )
        & ~Q(**{build_localized_fieldname(field, DEFAULT_LANGUAGE): ""})
        & Q(**{f"{build_localized_fieldname(field, DEFAULT_LANGUAGE)}__isnull": False})
        for field in translated_fields(model)
        for language in languages
    ]
    return reduce(or_, conditions) if conditions else Q(pk__in=[])
