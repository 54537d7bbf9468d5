"""Which content fields are written per language (django-modeltranslation).

Each field listed gets a column per language in settings.LANGUAGES (``title_en``,
``title_es``). English is required; a missing Spanish text falls back to the English,
which pages mark as untranslated (``programs.translated``).
"""

from modeltranslation.translator import TranslationOptions, register

from .models import Highlight, Page, Program, Story, Study, Therapy, Video


class ContentTranslation(TranslationOptions):
    required_languages = ("en",)


@register(Program)
class ProgramTranslation(ContentTranslation):
    fields = ("name", "tagline", "overview", "guidance_title", "guidance", "studies_intro")
    required_languages = {"en": ("name", "tagline", "overview", "guidance_title", "guidance")}


@register(Highlight)
class HighlightTranslation(ContentTranslation):
    fields = ("text", "source")


@register(Therapy)
class TherapyTranslation(ContentTranslation):
    fields = ("title", "summary", "body", "child_friendly")
    required_languages = {"en": ("title", "summary", "body")}


@register(Study)
class StudyTranslation(ContentTranslation):
    # The plain-language parts; conditions are the registry's own terms.
    fields = ("title", "eligibility_summary", "contact")


@register(Story)
class StoryTranslation(ContentTranslation):
    fields = ("title", "summary", "body")


@register(Video)
class VideoTranslation(ContentTranslation):
    fields = ("title", "description", "transcript")


@register(Page)
class PageTranslation(ContentTranslation):
    fields = ("title", "summary", "body")
