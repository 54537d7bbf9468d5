"""What every kind of public content shares: Markdown help, the published queryset, the staff note."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from core import page_cache
from programs.placeholders import placeholder_in
from programs.translated import translated_fields

MARKDOWN_HELP = _(
    "Markdown: blank line between paragraphs, ## Heading, **bold**, *italic*, - lists, [link text](https://…). "
    "HTML is removed."
)


def markdown_help(text):
    return format_lazy("{}{}", text, MARKDOWN_HELP)


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class RefreshesPublicPages(models.Model):
    """A row the public pages show: saving or deleting it refreshes the cached pages (core.page_cache)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        page_cache.refresh_after_commit()

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        page_cache.refresh_after_commit()
        return deleted


class Content(RefreshesPublicPages):
    """A row of public content: published or not, with a note for staff the public never sees.

    A published row may not hold a staff placeholder (``programs.placeholders``)
    in any language of its public text.
    """

    staff_note = models.TextField(
        _("note for staff"),
        blank=True,
        help_text=_(
            "Facts to check or supply before this goes live, and where they come from. "
            "For staff only: never shown on the site."
        ),
    )

    objects = PublishedQuerySet.as_manager()

    class Meta:
        abstract = True

    def public_text_fields(self):
        """The names of every column the public reads, each language separately."""
        names = []
        for field in translated_fields(type(self)):
            names += [build_localized_fieldname(field, code) for code, _name in settings.LANGUAGES]
        return names

    def clean(self):
        super().clean()
        if not self.published:
            return
        errors = {}
        for name in self.public_text_fields():
            marker = placeholder_in(getattr(self, name, ""))
            if marker:
                errors[name] = ValidationError(
                    _(
                        "This text still holds a placeholder for staff (“%(marker)s”). "
                        "Replace it with the real fact before publishing, or untick Published."
                    ),
                    code="placeholder",
                    params={"marker": marker},
                )
        if errors:
            raise ValidationError(errors)
