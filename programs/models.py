"""The program's public content. Staff edit all of it in the admin; templates hold layout only.

Rich text fields hold Markdown, rendered and sanitized by ``programs.markdown.render_markdown``.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

MARKDOWN_HELP = _(
    "Markdown: blank line between paragraphs, ## Heading, **bold**, *italic*, - lists, [link text](https://…). "
    "HTML is removed."
)


def _md_help(text):
    return format_lazy("{}{}", text, MARKDOWN_HELP)


nct_validator = RegexValidator(
    regex=r"\ANCT[0-9]{8}\Z",
    message=_("Enter an NCT number: the letters NCT followed by 8 digits, for example NCT01626495."),
    code="invalid_nct",
)


class StudyStatus(models.TextChoices):
    NOT_YET_RECRUITING = "not_yet_recruiting", _("Not yet recruiting")
    RECRUITING = "recruiting", _("Recruiting")
    ENROLLING_BY_INVITATION = "enrolling_by_invitation", _("Enrolling by invitation")
    ACTIVE_NOT_RECRUITING = "active_not_recruiting", _("Active, not recruiting")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The order studies are listed in: the ones a family can join first.
STATUS_DISPLAY_ORDER = [
    StudyStatus.RECRUITING,
    StudyStatus.ENROLLING_BY_INVITATION,
    StudyStatus.NOT_YET_RECRUITING,
    StudyStatus.ACTIVE_NOT_RECRUITING,
    StudyStatus.SUSPENDED,
    StudyStatus.COMPLETED,
    StudyStatus.TERMINATED,
    StudyStatus.WITHDRAWN,
]


class StudyPhase(models.TextChoices):
    EARLY_PHASE_1 = "early_1", _("Early phase 1")
    PHASE_1 = "1", _("Phase 1")
    PHASE_1_2 = "1_2", _("Phase 1/2")
    PHASE_2 = "2", _("Phase 2")
    PHASE_3 = "3", _("Phase 3")
    NOT_APPLICABLE = "na", _("Not applicable")


class PageKey(models.TextChoices):
    FAMILIES = "families", _("What to expect: families")
    PHYSICIANS = "physicians", _("What to expect: referring physicians")
    EXISTING_PATIENTS = "existing_patients", _("Existing patients and family members")


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Program(models.Model):
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
        _("overview"), help_text=_md_help(_("What immunotherapy is and what the program does. "))
    )
    guidance_title = models.CharField(
        _("guidance heading"),
        max_length=200,
        default="Is cancer immunotherapy right for my child?",
        help_text=_("Heading of the guidance section on the home page."),
    )
    guidance = models.TextField(
        _("guidance"),
        help_text=_md_help(_("Who immunotherapy is (and is not) for, and how the team decides. ")),
    )
    studies_intro = models.TextField(
        _("studies introduction"),
        blank=True,
        help_text=_md_help(_("A short introduction at the top of the clinical studies page. ")),
    )
    contact_email = models.EmailField(_("contact email"), help_text=_("The program's email address for enquiries."))
    published = models.BooleanField(
        _("published"), default=True, help_text=_("Untick to hide the program's text from the home page.")
    )

    objects = PublishedQuerySet.as_manager()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("program")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("programs:home")


class Highlight(models.Model):
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


class Therapy(models.Model):
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
        help_text=_md_help(_("Optional explanation written for children, shown in its own section. ")),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Smaller numbers show first."))
    published = models.BooleanField(_("published"), default=False, help_text=_("Only published pages are public."))

    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("therapy")
        verbose_name_plural = _("therapies")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("programs:therapy_detail", kwargs={"slug": self.slug})


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


class Study(models.Model):
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
        _("eligibility summary"), help_text=_md_help(_("A short summary of who can take part. "))
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


class Story(models.Model):
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

    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("patient story")
        verbose_name_plural = _("patient stories")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("programs:story_detail", kwargs={"slug": self.slug})


class Video(models.Model):
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

    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("video")
        verbose_name_plural = _("videos")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("programs:video_detail", kwargs={"slug": self.slug})


class Page(models.Model):
    """A page of mostly text at a fixed place on the site (what to expect, existing patients)."""

    Key = PageKey

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

    objects = PublishedQuerySet.as_manager()

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
        return reverse("programs:what_to_expect", kwargs={"audience": self.key})


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
