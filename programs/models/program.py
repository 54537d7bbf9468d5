"""The program itself and the facts it highlights."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from programs.placeholders import placeholder_in

from .base import Content, RefreshesPublicPages, markdown_help


class Program(Content):
    """The program itself. One row: the home page shows it."""

    name = models.CharField(_("name"), max_length=200, help_text=_("The program's name, as shown on every page."))
    institution = models.CharField(
        _("institution"), max_length=200, help_text=_("The hospital the program belongs to.")
    )
    tagline = models.CharField(
        _("tagline"),
        max_length=300,
        help_text=_("One sentence under the name on the home page; also the home page's search-engine description."),
    )
    overview = models.TextField(
        _("overview"), help_text=markdown_help(_("What immunotherapy is and what the program does. "))
    )
    guidance_title = models.CharField(
        _("guidance heading"),
        max_length=200,
        help_text=_("Heading of the guidance section on the home page."),
    )
    guidance = models.TextField(
        _("guidance"),
        help_text=markdown_help(_("Who immunotherapy is (and is not) for, and how the team decides. ")),
    )
    studies_intro = models.TextField(
        _("studies introduction"),
        blank=True,
        help_text=markdown_help(_("A short introduction at the top of the clinical studies page. ")),
    )
    contact_email = models.EmailField(_("contact email"), help_text=_("The program's email address for enquiries."))
    published = models.BooleanField(
        _("published"), default=True, help_text=_("Untick to hide the program's text from the home page.")
    )

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("program")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("programs:home")

    @property
    def public_email(self):
        """The contact email, or "" while it is still a placeholder (an example.org address)."""
        return "" if placeholder_in(self.contact_email) else self.contact_email


class Highlight(RefreshesPublicPages):
    """A fact about the program, with the source that backs it."""

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="highlights",
        verbose_name=_("program"),
        help_text=_("The program this highlight belongs to."),
    )
    text = models.TextField(_("text"), help_text=_("The fact, in one or two plain sentences."))
    source = models.CharField(
        _("source"),
        max_length=300,
        help_text=_("Where the fact comes from: a publication, a regulator, or the program's own records."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Smaller numbers show first."))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("highlight")
        verbose_name_plural = _("highlights")

    def __str__(self):
        return self.text[:60]
