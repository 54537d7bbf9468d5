"""What load_program_content has loaded."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentSeed(models.Model):
    """Which rows of the shipped content file have been loaded once.

    ``load_program_content`` loads a row only the first time, so a row staff
    edited or deleted stays that way when the command runs again.
    """

    key = models.CharField(_("key"), max_length=150, unique=True, help_text=_("Kind and natural key of a loaded row."))
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True, help_text=_("When it was first loaded."))

    class Meta:
        ordering = ["key"]
        verbose_name = _("loaded content record")
        verbose_name_plural = _("loaded content records")

    def __str__(self):
        return self.key
