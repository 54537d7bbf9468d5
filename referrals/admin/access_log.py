"""The audit trail in the admin: superusers read it; nobody changes it through the app."""

from datetime import UTC

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from referrals.models import AccessLog


class AuditTrailAdmin(admin.ModelAdmin):
    """An append-only audit table: superusers read it, times in UTC; nobody adds, changes or deletes rows."""

    list_select_related = False  # every column is on the row itself
    show_full_result_count = False
    ordering = ["-at"]

    @admin.display(description=_("when (UTC)"), ordering="at")
    def at_utc(self, obj):
        # Audit times in UTC, whatever TIME_ZONE the site displays in.
        return obj.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(AuditTrailAdmin):
    list_display = ["at_utc", "username", "action", "object_repr", "detail", "client_ip"]
    list_filter = ["action"]
    search_fields = ["=username", "object_repr"]
    date_hierarchy = "at"
    fields = ["at_utc", "user", "username", "action", "submission", "object_repr", "detail", "client_ip"]
    readonly_fields = fields
