"""The queue's own list filters (the rest are model fields)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


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
