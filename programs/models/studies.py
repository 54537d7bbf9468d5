"""Clinical studies the program runs or takes part in."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import Content, PublishedQuerySet, markdown_help
from .choices import STATUS_DISPLAY_ORDER, StudyPhase, StudyStatus

nct_validator = RegexValidator(
    regex=r"\ANCT[0-9]{8}\Z",
    message=_("Enter an NCT number: the letters NCT followed by 8 digits, for example NCT01626495."),
    code="invalid_nct",
)


class StudyQuerySet(PublishedQuerySet):
    def recruiting_first(self):
        """Studies a family can join now first, then the rest; by NCT number within each status."""
        rank = Case(
            *(When(status=status, then=Value(position)) for position, status in enumerate(STATUS_DISPLAY_ORDER)),
            default=Value(len(STATUS_DISPLAY_ORDER)),
        )
        return self.order_by(rank, "nct_number")

    def for_age(self, age):
        """Studies whose age range includes a child of ``age`` full years."""
        return self.filter(min_age__lte=age, max_age__gte=age)


class Study(Content):
    Status = StudyStatus
    Phase = StudyPhase

    nct_number = models.CharField(
        _("NCT number"),
        max_length=11,
        unique=True,
        validators=[nct_validator],
        help_text=_("The study's ClinicalTrials.gov identifier: NCT followed by 8 digits."),
    )
    title = models.CharField(_("title"), max_length=300, help_text=_("A short, plain-language title."))
    status = models.CharField(
        _("status"),
        max_length=30,
        choices=StudyStatus,
        default=StudyStatus.RECRUITING,
        help_text=_("Recruitment status, as on ClinicalTrials.gov."),
    )
    phase = models.CharField(_("phase"), max_length=10, choices=StudyPhase, help_text=_("The trial's phase."))
    min_age = models.PositiveSmallIntegerField(
        _("minimum age (years)"),
        validators=[MaxValueValidator(120)],
        help_text=_("Youngest age accepted, in full years (0 for babies)."),
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age (years)"),
        validators=[MaxValueValidator(120)],
        help_text=_("Oldest age accepted, in full years."),
    )
    conditions = models.CharField(
        _("conditions"), max_length=300, help_text=_("Diseases studied, separated by commas.")
    )
    eligibility_summary = models.TextField(
        _("eligibility summary"), help_text=markdown_help(_("A short summary of who can take part. "))
    )
    contact = models.CharField(
        _("contact"),
        max_length=300,
        help_text=_("Who families and physicians contact about this study (a role, phone or email; no patient data)."),
    )
    published = models.BooleanField(_("published"), default=False, help_text=_("Only published studies are public."))

    objects = StudyQuerySet.as_manager()

    class Meta:
        ordering = ["status", "nct_number"]
        verbose_name = _("clinical study")
        verbose_name_plural = _("clinical studies")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=StudyStatus.values), name="study_status_valid"),
            models.CheckConstraint(condition=Q(phase__in=StudyPhase.values), name="study_phase_valid"),
            models.CheckConstraint(condition=Q(min_age__lte=F("max_age")), name="study_age_range_valid"),
        ]

    def __str__(self):
        return f"{self.nct_number}: {self.title}"

    def get_absolute_url(self):
        return reverse("programs:study_detail", kwargs={"nct_number": self.nct_number})

    def clean(self):
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValidationError({"max_age": _("The maximum age must be at least the minimum age.")}, code="age_range")

    @property
    def registry_url(self):
        return f"https://clinicaltrials.gov/study/{self.nct_number}"
