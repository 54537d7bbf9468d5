from django import forms
from django.utils.translation import gettext_lazy as _

from .models import StudyStatus


class StudyFilterForm(forms.Form):
    """The studies list's filters, read from the query string."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *StudyStatus.choices],
        error_messages={"invalid_choice": _("Choose a status from the list.")},
    )
    age = forms.IntegerField(
        label=_("Child's age in years"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_("Shows studies that accept a child of this age."),
        error_messages={
            "invalid": _("Enter the age as a whole number of years, for example 7."),
            "min_value": _("Enter an age of 0 or more."),
            "max_value": _("Enter an age of 120 or less."),
        },
    )

    def filter(self, queryset):
        if self.cleaned_data.get("status"):
            queryset = queryset.filter(status=self.cleaned_data["status"])
        if self.cleaned_data.get("age") is not None:
            queryset = queryset.for_age(self.cleaned_data["age"])
        return queryset
