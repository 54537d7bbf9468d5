"""The pre-screen: what a CAR T team triages on, asked in the clinician's terms (and more simply of families).

An abstract part of ``Submission``: the diagnosis, disease status, lines of
therapy, the latest MRD, CD19 and CD22, earlier CD19-directed therapy, CAR T
and transplant, the clinical question, and the study a referral names.
``prescreen_summary()`` is the one reading of it the change page shows, and the
FHIR export codes the same fields.
"""

from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_LINES_OF_THERAPY = 20


def months_on(dob: date, on: date) -> int:
    """Age in whole months on a given date."""
    return (on.year - dob.year) * 12 + on.month - dob.month - (on.day < dob.day)


class PreScreen(models.Model):
    class Diagnosis(models.TextChoices):
        B_ALL = "b_all", _("B-cell acute lymphoblastic leukemia (B-ALL)")
        B_LYMPHOMA = "b_lymphoma", _("B-cell lymphoma")
        OTHER = "other", _("Other")
        UNSURE = "unsure", _("Not sure")

    class DiseaseStatus(models.TextChoices):
        FIRST_RELAPSE = "first_relapse", _("First relapse")
        SECOND_RELAPSE = "second_relapse", _("Second or later relapse")
        REFRACTORY = "refractory", _("Refractory (did not respond to treatment)")
        MRD_POSITIVE = "mrd_positive", _("MRD-positive")

    class CD19Status(models.TextChoices):
        POSITIVE = "positive", _("CD19 positive")
        NEGATIVE = "negative", _("CD19 negative")
        DIM = "dim", _("CD19 dim or partial")
        UNKNOWN = "unknown", _("Not known")

    class CD22Status(models.TextChoices):
        POSITIVE = "positive", _("CD22 positive")
        NEGATIVE = "negative", _("CD22 negative")
        DIM = "dim", _("CD22 dim or partial")
        UNKNOWN = "unknown", _("Not known")

    class MRDResult(models.TextChoices):
        DETECTABLE = "detectable", _("Detectable (MRD-positive)")
        UNDETECTABLE = "undetectable", _("Undetectable (MRD-negative)")

    class MRDMethod(models.TextChoices):
        FLOW = "flow", _("Flow cytometry")
        NGS = "ngs", _("Next-generation sequencing")
        PCR = "pcr", _("PCR")

    diagnosis = models.CharField(_("diagnosis"), max_length=20, choices=Diagnosis, blank=True)
    diagnosis_other = models.CharField(_("other diagnosis"), max_length=200, blank=True)
    disease_status = models.CharField(_("disease status"), max_length=20, choices=DiseaseStatus, blank=True)
    prior_lines_of_therapy = models.PositiveSmallIntegerField(
        _("prior lines of therapy"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_LINES_OF_THERAPY)],
    )
    mrd_result = models.CharField(_("latest MRD result"), max_length=15, choices=MRDResult, blank=True)
    mrd_level = models.DecimalField(
        _("MRD level (%)"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    mrd_method = models.CharField(_("MRD method"), max_length=10, choices=MRDMethod, blank=True)
    mrd_date = models.DateField(_("date of the MRD test"), null=True, blank=True)
    cd19_status = models.CharField(_("CD19 status"), max_length=10, choices=CD19Status, blank=True)
    cd22_status = models.CharField(_("CD22 status"), max_length=10, choices=CD22Status, blank=True)
    prior_cd19_therapy = models.BooleanField(_("prior CD19-directed therapy"), default=False)
    prior_cd19_therapy_date = models.DateField(_("date of CD19-directed therapy"), null=True, blank=True)
    prior_car_t = models.BooleanField(_("prior CAR T-cell therapy"), default=False)
    prior_car_t_date = models.DateField(_("date of CAR T-cell therapy"), null=True, blank=True)
    prior_transplant = models.BooleanField(_("prior stem-cell transplant"), default=False)
    prior_transplant_date = models.DateField(_("date of stem-cell transplant"), null=True, blank=True)
    current_treatment = models.TextField(_("current treatment"), max_length=4000, blank=True)
    clinical_question = models.TextField(_("clinical question"), max_length=2000, blank=True)
    study_nct = models.CharField(
        _("study referred for"),
        max_length=11,
        blank=True,
        db_index=True,
        help_text=_("The NCT number of the study the referral was sent for, if it named one."),
    )
    age_months_at_submission = models.PositiveSmallIntegerField(
        _("age at submission (months)"), null=True, blank=True, editable=False
    )

    class Meta:
        abstract = True

    def set_age_at_submission(self):
        """Store the patient's age in whole months on the day the submission arrived (study matching uses it)."""
        received = timezone.localdate(self.received_at) if self.received_at else timezone.localdate()
        self.age_months_at_submission = months_on(self.patient_dob, received) if self.patient_dob else None

    def prescreen_summary(self):
        """``[(label, text)]``: the pre-screen in a coordinator's reading order; only what was answered."""
        items = []
        if self.diagnosis:
            text = self.diagnosis_other if self.diagnosis == self.Diagnosis.OTHER else self.get_diagnosis_display()
            items.append((gettext("Diagnosis"), text or self.get_diagnosis_display()))
        if self.disease_status:
            items.append((gettext("Disease status"), self.get_disease_status_display()))
        if self.prior_lines_of_therapy is not None:
            items.append((gettext("Prior lines of therapy"), str(self.prior_lines_of_therapy)))
        if self.mrd_result:
            parts = [self.get_mrd_result_display()]
            if self.mrd_level is not None:
                parts.append(f"{self.mrd_level.normalize():f}%")
            if self.mrd_method:
                parts.append(self.get_mrd_method_display())
            if self.mrd_date:
                parts.append(date_format(self.mrd_date, "DATE_FORMAT"))
            items.append((gettext("Latest MRD"), " · ".join(parts)))
        for field in ("cd19_status", "cd22_status"):
            if getattr(self, field):
                items.append(
                    (capfirst(self._meta.get_field(field).verbose_name), getattr(self, f"get_{field}_display")())
                )
        earlier = [
            capfirst(self._meta.get_field(flag).verbose_name)
            + (f" ({date_format(when, 'DATE_FORMAT')})" if (when := getattr(self, f"{flag}_date")) else "")
            for flag in ("prior_cd19_therapy", "prior_car_t", "prior_transplant")
            if getattr(self, flag)
        ]
        if earlier:
            items.append((gettext("Earlier treatment"), "; ".join(earlier)))
        if self.study_nct:
            items.append((gettext("Study referred for"), self.study_nct))
        return items
