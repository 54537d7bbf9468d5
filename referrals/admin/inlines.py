"""Read-only inlines on the change page: documents, history and notes are append-only."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import display_for_field, display_for_value, label_for_field, lookup_field
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from referrals.admin.changelist import model_field_for_column
from referrals.models import Attachment, Note, RecordsRequest, StatusChange


class RowsOnlyFormSet(BaseInlineFormSet):
    """No form per row: the rows are read (``rows``), never posted, so the page posts no inline forms at all.

    Django's tabular inline renders a form with hidden inputs and a read-only
    widget per cell for every row: with fifty notes that rendering, not the one
    query, is most of the change page's time.
    """

    inline = None  # set by ReadOnlyInline.get_formset

    def initial_form_count(self):
        return 0

    def rows(self):
        """``[[(field name, cell), ...], ...]``: one list per object, in the inline's ``fields`` order."""
        columns = [(name, self.inline.cell_for(name)) for name in self.inline.fields]
        return [[(name, cell(obj)) for name, cell in columns] for obj in self.get_queryset()]

    def rows_html(self):
        """``rows()`` as the table's rows, each rendered once here: one template node per row, not three per cell."""
        return [
            format_html(
                '<tr class="form-row has_original">{}</tr>',
                format_html_join(
                    "", '<td class="field-{}"><p>{}</p></td>', ((name, linebreaksbr(cell)) for name, cell in cells)
                ),
            )
            for cells in self.rows()
        ]

    def headers(self):
        return [(name, label_for_field(name, self.model, self.inline)) for name in self.inline.fields]

    def management_inputs(self):
        """The management form's hidden inputs, as ``{{ formset.management_form }}`` renders them, without rendering
        a form template and four widget templates per inline (tests/referrals/test_admin_speed.py compares the two)."""
        return format_html_join(
            "",
            '<input type="hidden" name="{}"{} id="{}">',
            (
                (field.html_name, format_html(' value="{}"', value) if value not in (None, "") else "", field.auto_id)
                for field in self.management_form
                for value in [field.value()]
            ),
        )

    @property
    def media(self):
        # No widgets (and no empty form built to ask for theirs): the rows are text.
        return forms.Media()


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
    formset = RowsOnlyFormSet
    template = "admin/referrals/submission/readonly_inline.html"

    def get_formset(self, request, obj=None, **kwargs):
        return type("RowsOnlyFormSet", (super().get_formset(request, obj, **kwargs),), {"inline": self})

    @property
    def media(self):
        # Not Django's inlines.js (adding and removing rows): the template has none of the markup it works on.
        return forms.Media()

    def cell(self, obj, name):
        """What the admin's read-only field would show for ``name`` (without the link to a user's admin page)."""
        field, attr, value = lookup_field(name, obj, self)
        empty = self.get_empty_value_display()
        if field is None:
            return display_for_value(value, empty, getattr(attr, "boolean", False))
        return display_for_field(value, field, empty)

    def cell_for(self, name):
        """``cell(obj, name)`` as a function of the row, with what is the same on every row worked out once.

        A field with choices gets its labels once (display_for_field translates and maps them for each cell);
        another field, or a display method, is read directly (no lookup by name per cell); anything else is
        ``cell`` itself.
        """
        empty = self.get_empty_value_display()
        field = model_field_for_column(self.model._meta, name)
        if field is not None and not field.auto_created and getattr(field, "flatchoices", None):
            try:
                labels = {value: str(label) for value, label in field.flatchoices}
            except TypeError:
                return lambda obj: self.cell(obj, name)
            return lambda obj: labels.get(getattr(obj, name), empty)
        if field is not None and not field.auto_created:
            return lambda obj: display_for_field(getattr(obj, name), field, empty)  # lookup_field's answer, known
        if field is None and hasattr(self, name):
            method = getattr(self, name)
            boolean = getattr(method, "boolean", False)
            return lambda obj: display_for_value(method(obj), empty, boolean)
        return lambda obj: self.cell(obj, name)

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
