"""The status page's lookups in the admin: superusers read them (to spot someone trying many dates); nobody changes them."""

from django.contrib import admin

from referrals.admin.access_log import AuditTrailAdmin
from referrals.models import StatusLookup


@admin.register(StatusLookup)
class StatusLookupAdmin(AuditTrailAdmin):
    list_display = ["at_utc", "reference", "found", "limited", "client_ip"]
    list_filter = ["found", "limited"]
    search_fields = ["=reference"]  # a reference number in a URL is fine; it is not PHI
    # No date_hierarchy: it runs SELECT DISTINCT over the whole table, and this one grows with every POST.
    fields = ["at_utc", "reference", "submission", "found", "limited", "client_ip"]
    readonly_fields = fields
