"""The pre-screen on the change page and in the queue: its summary, the studies that match, and their filters."""

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from referrals import studies
from referrals.models import Submission

# At the top of a referral's or a family's request change page; a message from an existing patient has none.
PRESCREEN_FIELDSET = (_("Pre-screen summary"), {"fields": ["prescreen_summary_display", "matching_studies_display"]})
PRESCREEN_READONLY = ["prescreen_summary_display", "matching_studies_display"]


def has_prescreen(submission):
    return submission is None or submission.kind != Submission.Kind.EXISTING_PATIENT


class PreScreenDisplayMixin:
    @admin.display(description=_("summary"))
    def prescreen_summary_display(self, obj):
        items = obj.prescreen_summary()
        if not items:
            return gettext("Nothing answered yet.")
        return format_html('<dl class="cip-prescreen">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", items))

    @admin.display(description=_("recruiting studies that match"))
    def matching_studies_display(self, obj):
        matches = studies.matching_criteria(obj)
        if not matches:
            return gettext("None: no recruiting study's age range, conditions and target fit this patient.")
        changelist = reverse("admin:programs_study_changelist")
        return format_html_join(
            ", ",
            '<a href="{}?{}">{}</a> {}',
            ((changelist, urlencode({"q": match.nct_number}), match.nct_number, match.title) for match in matches),
        )


class StudyMatchFilter(admin.SimpleListFilter):
    """Submissions some recruiting study could suit (``programs.matching``), or one study in particular."""

    title = _("recruiting study match")
    parameter_name = "study_match"

    def lookups(self, request, model_admin):
        self._criteria = studies.recruiting_criteria()
        return [
            ("any", _("Matches a recruiting study")),
            ("none", _("Matches none")),
            *((criteria.nct_number, criteria.nct_number) for criteria in self._criteria),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        criteria = getattr(self, "_criteria", None) or studies.recruiting_criteria()
        if value == "any":
            return queryset.matching(criteria)
        if value == "none":
            return queryset.exclude(pk__in=queryset.matching(criteria).values("pk"))
        return queryset.matching([c for c in criteria if c.nct_number == value])


class EarlierTreatmentFilter(admin.SimpleListFilter):
    title = _("earlier treatment")
    parameter_name = "earlier"

    CHOICES = {
        "cd19": ("prior_cd19_therapy", _("Blinatumomab or other CD19-directed therapy")),
        "car_t": ("prior_car_t", _("CAR T-cell therapy")),
        "transplant": ("prior_transplant", _("Stem-cell transplant")),
    }

    def lookups(self, request, model_admin):
        return [*((key, label) for key, (_field, label) in self.CHOICES.items()), ("none", _("None of these"))]

    def queryset(self, request, queryset):
        if self.value() in self.CHOICES:
            return queryset.filter(**{self.CHOICES[self.value()][0]: True})
        if self.value() == "none":
            return queryset.filter(~Q(prior_cd19_therapy=True), ~Q(prior_car_t=True), ~Q(prior_transplant=True))
        return queryset


class StudyReferredForFilter(admin.SimpleListFilter):
    title = _("study referred for")
    parameter_name = "for_study"

    def lookups(self, request, model_admin):
        return [("yes", _("Names a study")), ("no", _("Names no study"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(study_nct="")
        if self.value() == "no":
            return queryset.filter(study_nct="")
        return queryset
