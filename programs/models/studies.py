"""Clinical studies the program runs or takes part in."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from programs.ages import parse_age, validate_age_limit
from programs.matching import Criteria

from .base import Content, PublishedQuerySet, markdown_help
from .choices import STATUS_DISPLAY_ORDER, StudyPhase, StudyStatus

nct_validator = RegexValidator(
    regex=r"\ANCT[0-9]{8}\Z",
    message=_("Enter an NCT number: the letters NCT followed by 8 digits, for example NCT01626495."),
    code="invalid_nct",
)


class StudyQuerySet(PublishedQuerySet):
    def recruiting_first(self):
        """A list of these studies, those a family can join now first, then the rest; by NCT number within each status.

        Sorted here rather than by a CASE in the ORDER BY: the list is short, and building that CASE cost the
        studies page more than its query.
        """
        rank = {status: position for position, status in enumerate(STATUS_DISPLAY_ORDER)}
        return sorted(self, key=lambda study: (rank.get(study.status, len(rank)), study.nct_number))

    def for_age(self, age):
        """Studies that accept a child of ``age`` full years at some month of that year."""
        no_maximum = Q(max_age_months__isnull=True)
        return self.filter(Q(min_age_months__lte=age * 12 + 11), no_maximum | Q(max_age_months__gte=age * 12))

    def recruiting(self):
        return self.filter(status=StudyStatus.RECRUITING)

    def recruiting_criteria(self):
        """Each published, recruiting study's matching limits (``programs.matching``), by NCT number.

        Published only: a study is matched once staff have checked it (an import arrives unpublished, and the
        shipped examples with made-up NCT numbers never are).
        """
        return [Criteria.of(study) for study in self.published().recruiting().order_by("nct_number")]


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
    minimum_age = models.CharField(
        _("minimum age"),
        max_length=20,
        default="0 Years",
        validators=[validate_age_limit],
        help_text=_("As on ClinicalTrials.gov: a number and a unit, for example “1 Year” or “18 Months”."),
    )
    maximum_age = models.CharField(
        _("maximum age"),
        max_length=20,
        blank=True,
        validators=[validate_age_limit],
        help_text=_("As on ClinicalTrials.gov, for example “25 Years”. Leave empty for no upper limit."),
    )
    # The limits in whole months, inclusive (programs.ages), kept in step with the text by save().
    min_age_months = models.PositiveSmallIntegerField(_("minimum age in months"), default=0, editable=False)
    max_age_months = models.PositiveSmallIntegerField(_("maximum age in months"), null=True, blank=True, editable=False)
    conditions = models.CharField(
        _("conditions"), max_length=300, help_text=_("Diseases studied, separated by commas.")
    )
    eligibility_summary = models.TextField(
        _("eligibility summary"),
        blank=True,
        help_text=markdown_help(_("A short, plain-language summary of who can take part. Needed before publishing. ")),
    )
    contact = models.CharField(
        _("contact"),
        max_length=300,
        blank=True,
        help_text=_(
            "Who families and physicians contact about this study (a role, phone or email; no patient data). "
            "Needed before publishing."
        ),
    )
    target_antigens = models.CharField(
        _("target antigens"),
        max_length=50,
        blank=True,
        help_text=_(
            "What the study's therapy targets, for example “CD19” or “CD19, CD22”. Filled in from the registry's "
            "title, keywords and interventions; correct it if it is wrong. Study matching uses it."
        ),
    )
    # From the registry (import_studies); shown to staff, and the criteria text on the study's page.
    keywords = models.TextField(_("keywords"), blank=True, help_text=_("The registry's keywords, one per line."))
    eligibility_criteria = models.TextField(
        _("eligibility criteria (registry)"), blank=True, help_text=_("The full criteria, as on ClinicalTrials.gov.")
    )
    locations_count = models.PositiveIntegerField(_("number of locations"), null=True, blank=True)
    central_contacts = models.JSONField(
        _("central contacts"),
        default=list,
        blank=True,
        help_text=_("The registry's central contacts: a list of {name, role, phone, email}."),
    )
    registry_updated_on = models.DateField(_("last updated on the registry"), null=True, blank=True)
    imported_values = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Each field's value as last imported; a field whose value differs was edited by staff.",
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
            models.CheckConstraint(
                condition=Q(max_age_months__isnull=True) | Q(min_age_months__lte=F("max_age_months")),
                name="study_age_range_valid",
            ),
        ]

    def __str__(self):
        return f"{self.nct_number}: {self.title}"

    def get_absolute_url(self):
        return reverse("programs:study_detail", kwargs={"nct_number": self.nct_number})

    def clean(self):
        super().clean()
        errors = {}
        try:
            low, high = parse_age(self.minimum_age), parse_age(self.maximum_age)
        except ValidationError:
            low = high = None  # the field's own validator names the problem
        if low and high and low.months(as_maximum=False) > high.months(as_maximum=True):
            errors["maximum_age"] = ValidationError(
                _("The maximum age must be at least the minimum age."), code="age_range"
            )
        if self.published:
            for name in ("eligibility_summary", "contact"):
                if not (getattr(self, f"{name}_en", None) or getattr(self, name) or "").strip():
                    errors[name] = ValidationError(
                        _("Write this before publishing the study."), code="required_to_publish"
                    )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.set_age_months()
        super().save(*args, **kwargs)

    def set_age_months(self):
        """Keep the month limits in step with the text ones (a text that does not parse keeps the old months)."""
        try:
            low, high = parse_age(self.minimum_age), parse_age(self.maximum_age)
        except ValidationError:
            return
        self.min_age_months = low.months(as_maximum=False) if low else 0
        self.max_age_months = high.months(as_maximum=True) if high else None

    def age_range_display(self):
        """ "1 year to 25 years", "18 months and older", in the reader's language."""
        low, high = parse_age(self.minimum_age), parse_age(self.maximum_age)
        if high is None:
            return _("%(min)s and older") % {"min": low.display()} if low and low.amount else _("any age")
        if not (low and low.amount):
            return _("birth to %(max)s") % {"max": high.display()}
        return _("%(min)s to %(max)s") % {"min": low.display(), "max": high.display()}

    def admits_age_months(self, months):
        """Whether a patient of ``months`` whole months is inside this study's age limits."""
        return self.min_age_months <= months and (self.max_age_months is None or months <= self.max_age_months)

    @property
    def is_recruiting(self):
        return self.status == StudyStatus.RECRUITING

    @property
    def registry_url(self):
        return f"https://clinicaltrials.gov/study/{self.nct_number}"
