"""The queue's own list filters (the rest are model fields)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from referrals.models import Submission


class StatusFilter(admin.SimpleListFilter):
    """Open submissions unless asked otherwise: the open queue is what coordinators work from.

    The open queue is a few percent of all submissions and has its own partial
    index; "All" and each status (closed included) are one click away.
    """

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [(self.ALL, _("All")), *Submission.Status.choices]

    @classmethod
    def statuses_for(cls, value):
        """The statuses listed for the filter's ``value`` (None: every status)."""
        if value is None:
            return list(Submission.OPEN_STATUSES)
        if value == cls.ALL:
            return None
        return [value] if value in Submission.Status.values else []

    def queryset(self, request, queryset):
        statuses = self.statuses_for(self.value())
        return queryset if statuses is None else queryset.filter(status__in=statuses)

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Open (new, in review, awaiting records)"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class AssignedFilter(admin.SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("Me")), ("none", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.assigned_to(request.user)
        if self.value() == "none":
            return queryset.unassigned()
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.not_overdue()
        return queryset


class RecordsFollowUpFilter(admin.SimpleListFilter):
    """The records follow-up clock: requested records not yet all in, RECORDS_FOLLOW_UP_BUSINESS_DAYS later."""

    title = _("records follow-up")
    parameter_name = "follow_up"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("due", _("Due today or overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(queryset.records_follow_up_due_q(overdue=True))
        if self.value() == "due":
            return queryset.filter(queryset.records_follow_up_due_q())
        return queryset
