"""Read-only inlines on the change page: documents, history and notes are append-only."""

from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from referrals.models import Attachment, Note, RecordsRequest, StatusChange


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["original_name", "record_item", "source", "content_type", "size_display", "uploaded_at", "download"]
    readonly_fields = fields
    verbose_name_plural = _("documents")

    @admin.display(description=_("size"))
    def size_display(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description=_("download"))
    def download(self, obj):
        url = reverse("admin:referrals_attachment_download", args=[obj.pk])
        return format_html('<a href="{}" download>{}</a>', url, gettext("Download"))


class RecordsRequestInline(ReadOnlyInline):
    """The records links sent for this submission and where each stands (revoke through the workflow panel)."""

    model = RecordsRequest
    fields = ["created_at", "items_display", "audience", "phrasing", "expires_at", "state_display", "files_received"]
    readonly_fields = fields
    verbose_name_plural = _("records links")

    def has_view_permission(self, request, obj=None):
        # Part of the submission: whoever may see the submission sees its links (no separate permission).
        return request.user.has_perm("referrals.view_submission")

    @admin.display(description=_("records asked for"))
    def items_display(self, obj):
        return ", ".join(obj.item_labels)

    @admin.display(description=_("link"))
    def state_display(self, obj):
        return {
            "active": gettext("Works"),
            "expired": gettext("Expired"),
            "revoked": gettext("Revoked"),
            "used": gettext("Everything received"),
        }[obj.state()]


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ["changed_at", "action", "from_display", "to_display", "note", "changed_by"]
    readonly_fields = fields

    @admin.display(description=_("from"))
    def from_display(self, obj):
        return obj.from_label

    @admin.display(description=_("to"))
    def to_display(self, obj):
        return obj.to_label

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class NoteInline(ReadOnlyInline):
    """Existing notes, read-only. New notes are written through the workflow panel (workflow.add_note)."""

    model = Note
    fields = ["created_at", "author", "body"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")
