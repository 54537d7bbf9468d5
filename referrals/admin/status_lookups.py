"""The status page's lookups in the admin: superusers read them (to spot someone trying many dates); nobody changes them."""

from datetime import UTC

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from referrals.models import StatusLookup


@admin.register(StatusLookup)
class StatusLookupAdmin(admin.ModelAdmin):
    list_display = ["at_utc", "reference", "found", "limited", "client_ip"]
    list_filter = ["found", "limited"]
    search_fields = ["=reference"]  # a reference number in a URL is fine; it is not PHI
    # No date_hierarchy: it runs SELECT DISTINCT over the whole table, and this one grows with every POST.
    list_select_related = False  # every column is on the row itself
    show_full_result_count = False
    fields = ["at_utc", "reference", "submission", "found", "limited", "client_ip"]
    readonly_fields = fields
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
