"""Pages the public reads: therapies, patient stories, videos, and the fixed pages (what to expect, families' questions)."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import MARKDOWN_HELP, Content, PublishedQuerySet, markdown_help
from .choices import FAMILY_TOPICS, PageKey


class Therapy(Content):
    slug = models.SlugField(
        _("slug"), max_length=100, unique=True, help_text=_("The page's address, e.g. car-t-cell-therapy.")
    )
    title = models.CharField(_("title"), max_length=200, help_text=_("The page's heading."))
    summary = models.CharField(
        _("summary"), max_length=300, help_text=_("One or two sentences: shown in lists and to search engines.")
    )
    body = models.TextField(_("body"), help_text=MARKDOWN_HELP)
    child_friendly = models.TextField(
        _("for children"),
        blank=True,
        help_text=markdown_help(_("Optional explanation written for children, shown in its own section. ")),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Smaller numbers show first."))
    published = models.BooleanField(_("published"), default=False, help_text=_("Only published pages are public."))

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("therapy")
        verbose_name_plural = _("therapies")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("programs:therapy_detail", kwargs={"slug": self.slug})


class Story(Content):
    slug = models.SlugField(
        _("slug"), max_length=100, unique=True, help_text=_("The page's address, e.g. tories-story.")
    )
    title = models.CharField(_("title"), max_length=200, help_text=_("The story's heading."))
    summary = models.CharField(
        _("summary"), max_length=300, help_text=_("One or two sentences: shown in lists and to search engines.")
    )
    body = models.TextField(_("body"), help_text=MARKDOWN_HELP)
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Smaller numbers show first."))
    published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Only published stories are public. Publish only with the family's written consent."),
    )

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("patient story")
        verbose_name_plural = _("patient stories")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("programs:story_detail", kwargs={"slug": self.slug})


class Video(Content):
    slug = models.SlugField(_("slug"), max_length=100, unique=True, help_text=_("The page's address."))
    title = models.CharField(_("title"), max_length=200, help_text=_("The video's title."))
    description = models.CharField(
        _("description"), max_length=300, help_text=_("One or two sentences: shown in lists and to search engines.")
    )
    url = models.URLField(
        _("video link"),
        help_text=_("Where the video plays (the hospital's site or video channel). Opens in the same tab."),
    )
    transcript = models.TextField(
        _("transcript"), help_text=_("The full text of the video, shown on the page for people who cannot watch it.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Smaller numbers show first."))
    published = models.BooleanField(_("published"), default=False, help_text=_("Only published videos are public."))

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("video")
        verbose_name_plural = _("videos")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("programs:video_detail", kwargs={"slug": self.slug})


class PageQuerySet(PublishedQuerySet):
    def family_questions(self):
        """A list of the published answers to what families ask before they call, in FAMILY_TOPICS order.

        Sorted here rather than by a CASE in the ORDER BY, which cost more to build than the query.
        """
        pages = self.published().filter(key__in=FAMILY_TOPICS)
        return sorted(pages, key=lambda page: FAMILY_TOPICS.index(page.key))


class Page(Content):
    """A page of mostly text at a fixed place on the site (what to expect, existing patients, families' questions)."""

    Key = PageKey

    objects = PageQuerySet.as_manager()

    key = models.CharField(
        _("place on the site"),
        max_length=30,
        choices=PageKey,
        unique=True,
        help_text=_("Which page this is. Each place has one page."),
    )
    title = models.CharField(_("title"), max_length=200, help_text=_("The page's heading."))
    summary = models.CharField(
        _("summary"),
        max_length=300,
        help_text=_("One or two sentences: shown under the heading and to search engines."),
    )
    body = models.TextField(_("body"), help_text=MARKDOWN_HELP)
    published = models.BooleanField(_("published"), default=False, help_text=_("Only published pages are public."))

    class Meta:
        ordering = ["key"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        constraints = [models.CheckConstraint(condition=Q(key__in=PageKey.values), name="page_key_valid")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.key == self.Key.EXISTING_PATIENTS:
            return reverse("programs:contact")
        if self.key in FAMILY_TOPICS:
            return reverse("programs:family_page", kwargs={"key": self.key})
        return reverse("programs:what_to_expect", kwargs={"audience": self.key})

    @property
    def for_physicians(self):
        """Written for clinicians: the plain-language target does not apply."""
        return self.key == self.Key.PHYSICIANS
