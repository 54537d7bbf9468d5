"""The coordinators' queue: one changelist for every kind of submission.

Every change goes through ``referrals.services`` (the change form, the actions
and the buttons alike), so each writes its history row. Nothing here deletes.
"""

import csv
import re
import secrets
from datetime import UTC
from urllib.parse import parse_qsl, urlencode

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import construct_change_message
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from referrals import services
from referrals.admin_forms import AssignForm, StatusForm, SubmissionWorkflowForm
from referrals.client_address import client_ip
from referrals.models import AccessLog, Attachment, Note, StatusChange, Submission

# --- Filters ------------------------------------------------------------------


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


# --- Read-only inlines ----------------------------------------------------------


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
    fields = ["original_name", "content_type", "size_display", "uploaded_at", "download"]
    readonly_fields = fields
    verbose_name_plural = _("documents")

    @admin.display(description=_("size"))
    def size_display(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description=_("download"))
    def download(self, obj):
        url = reverse("admin:referrals_attachment_download", args=[obj.pk])
        return format_html('<a href="{}" download>{}</a>', url, gettext("Download"))


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
    """Existing notes, read-only. New notes are written through the workflow panel (services.add_note)."""

    model = Note
    fields = ["created_at", "author", "body"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


# --- Submissions ----------------------------------------------------------------

SUBMITTED_FIELDSETS = [
    (
        _("Patient"),
        {
            "fields": [
                "patient_name",
                "patient_dob",
                "patient_age_display",
                "patient_sex",
                "medical_record_number",
                "diagnosis",
                "diagnosis_other",
                "disease_status",
                "cd19_status",
                ("prior_cd19_therapy", "prior_cd19_therapy_date"),
                ("prior_car_t", "prior_car_t_date"),
                ("prior_transplant", "prior_transplant_date"),
                "current_treatment",
            ]
        },
    ),
    (
        _("Contact"),
        {
            "fields": [
                "submitter_role",
                "submitter_relationship",
                "contact_name",
                "contact_phone",
                "contact_email",
                "preferred_contact_method",
                "preferred_contact_time",
                "preferred_language",
                "interpreter_needed",
            ]
        },
    ),
    (
        _("Referring clinician"),
        {
            "fields": [
                "referrer_name",
                "referrer_credentials",
                "referrer_npi",
                "referrer_practice",
                "referrer_phone",
                "referrer_fax",
                "referrer_email",
            ]
        },
    ),
    (
        _("Current care team"),
        {
            "classes": ["collapse"],
            "fields": ["current_hospital", "current_oncologist", "oncologist_phone", "oncologist_email"],
        },
    ),
    (_("Insurance"), {"classes": ["collapse"], "fields": ["insurance_payer", "insurance_member_id"]}),
    (_("Message"), {"fields": ["topic", "message"]}),
    (
        _("Attestations"),
        {"classes": ["collapse"], "fields": ["family_aware", "consent_to_contact", "not_emergency_acknowledged"]},
    ),
]


def _readonly_names(fieldsets):
    names = []
    for _title, options in fieldsets:
        for entry in options["fields"]:
            names.extend(entry if isinstance(entry, tuple) else [entry])
    return names


def _mask_email(email):
    if not email:
        return ""
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _mask_phone(phone):
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    return f"•••{digits[-4:]}" if digits else ""


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    form = SubmissionWorkflowForm
    list_display = [
        "reference",
        "kind_short",
        "urgency_badge",
        "status",
        "patient_age_display",
        "diagnosis_short",
        "received_display",
        "waiting",
        "assigned_display",
        "contact_masked",
        "duplicate_flag",
    ]
    list_filter = ["status", "kind", "urgency", AssignedFilter, OverdueFilter, "language", "interpreter_needed"]
    # Searching by reference is preferred: what is typed here ends up in the URL.
    search_fields = ["reference", "patient_name", "referrer_name", "=referrer_npi", "contact_email", "referrer_email"]
    search_help_text = _("Reference, patient name, referring clinician, NPI or email. Prefer the reference number.")
    date_hierarchy = "received_at"
    list_select_related = ["assigned_to"]
    list_per_page = 50
    show_full_result_count = False  # the paginator already counts once
    actions = ["assign_to_me", "assign_to_coordinator", "mark_contacted", "change_status", "export_csv"]
    inlines = [AttachmentInline, StatusChangeInline, NoteInline]
    readonly_fields = [
        "reference",
        "kind",
        "status",
        "urgency",
        "urgent_reason",
        "received_at",
        "language",
        "likely_duplicates",
        "assigned_to",
        "first_contacted_at",
        "first_contact_due_display",
        "review_due_display",
        "decided_at",
        "consult_date",
        "decline_reason",
        "records_complete_display",
        "records_completed_at",
        *_readonly_names(SUBMITTED_FIELDSETS),
    ]

    def get_fieldsets(self, request, obj=None):
        return [
            (
                None,
                {
                    "fields": [
                        ("reference", "kind"),
                        ("status", "urgency"),
                        "urgent_reason",
                        ("received_at", "language"),
                        "likely_duplicates",
                    ]
                },
            ),
            (
                _("Workflow"),
                {
                    "fields": [
                        ("assigned_to", "assign_to_me", "assign_to"),
                        ("first_contacted_at", "first_contact_due_display"),
                        "mark_contacted",
                        ("decided_at", "review_due_display"),
                        ("consult_date", "decline_reason"),
                        "new_status",
                        ("set_decline_reason", "set_consult_date"),
                        "status_note",
                        "new_note",
                    ]
                },
            ),
            (
                _("Records checklist"),
                {
                    "fields": [
                        *SubmissionWorkflowForm.record_field_names(),
                        ("records_complete_display", "records_completed_at"),
                    ]
                },
            ),
            *SUBMITTED_FIELDSETS,
        ]

    def get_queryset(self, request):
        # Not super(): it would order by the annotations before they exist.
        return self.model._default_manager.get_queryset().for_queue().order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        # Annotations from SubmissionQuerySet.for_queue: urgent and overdue first, then the oldest.
        return ["urgent_rank", "-is_overdue", "open_rank", "received_at"]

    # Submissions arrive through the public forms and are never deleted here.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_export_permission(self, request):
        return request.user.has_perm("referrals.export_submission")

    # --- Search without the search text in any URL ---
    #
    # Admin search is a GET: "?q=<patient name>" would land in the address bar, the browser's history and the
    # web server's access log. Here the search box POSTs to search_view, which keeps the text in the session
    # under a random key and redirects to the list with "?qk=<key>"; every link on the list carries the key.

    def get_urls(self):
        search = path("search/", self.admin_site.admin_view(self.search_view), name="referrals_submission_search")
        return [search, *super().get_urls()]

    def search_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        term = " ".join(request.POST.get(SEARCH_VAR, "").split())[:200]
        # The list's current filters come along as hidden fields; the old search and page do not.
        params = [
            (key, value)
            for key, value in request.POST.items()
            if key not in {SEARCH_VAR, SEARCH_KEY_VAR, "csrfmiddlewaretoken", "p", "e"}
        ]
        if term:
            params.append((SEARCH_KEY_VAR, remember_search(request, term)))
        url = reverse("admin:referrals_submission_changelist")
        return redirect(f"{url}?{urlencode(params)}" if params else url)

    def changelist_view(self, request, extra_context=None):
        key = request.GET.get(SEARCH_KEY_VAR)
        if key is not None:
            term = request.session.get(SEARCH_SESSION_KEY, {}).get(key)
            if term is None:  # another browser's key, or the session ended
                messages.info(request, gettext("That search has expired. Please search again."))
                params = request.GET.copy()
                del params[SEARCH_KEY_VAR]
                url = reverse("admin:referrals_submission_changelist")
                return redirect(f"{url}?{params.urlencode()}" if params else url)
            request.cip_search_term = term
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        return SearchKeyChangeList

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, getattr(request, "cip_search_term", search_term))

    def get_preserved_filters(self, request):
        # Keep the filters (and the search key) when moving between list and change page, but never the
        # search text itself: it may be a patient's name.
        preserved = super().get_preserved_filters(request)
        if not preserved:
            return preserved
        inner = dict(parse_qsl(preserved)).get("_changelist_filters")
        if inner is None:
            return preserved
        kept = [(key, value) for key, value in parse_qsl(inner) if key != "q"]
        return urlencode({"_changelist_filters": urlencode(kept)}) if kept else ""

    # --- Columns ---

    # Short labels so the queue fits on one screen; the change page shows the full ones.
    KIND_SHORT = {
        Submission.Kind.REFERRAL: _("Referral"),
        Submission.Kind.SECOND_OPINION: _("Second opinion"),
        Submission.Kind.EXISTING_PATIENT: _("Existing patient"),
    }

    @admin.display(description=_("kind"), ordering="kind")
    def kind_short(self, obj):
        return self.KIND_SHORT.get(obj.kind, obj.get_kind_display())

    @admin.display(description=_("urgency"), ordering="urgency")
    def urgency_badge(self, obj):
        if obj.urgency == Submission.Urgency.URGENT:
            return format_html('<span class="cip-badge cip-badge-urgent">{}</span>', obj.get_urgency_display())
        return obj.get_urgency_display()

    @admin.display(description=_("age"))
    def patient_age_display(self, obj):
        return obj.patient_age()

    @admin.display(description=_("diagnosis"), ordering="diagnosis")
    def diagnosis_short(self, obj):
        # "B-cell acute lymphoblastic leukemia (B-ALL)" -> "B-ALL", so the queue fits on a screen.
        label = obj.get_diagnosis_display()
        match = re.search(r"\(([^)]+)\)\s*$", label)
        return match.group(1) if match else label or "—"

    @admin.display(description=_("received"), ordering="received_at")
    def received_display(self, obj):
        return date_format(timezone.localtime(obj.received_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("business days waiting"), ordering="received_at")
    def waiting(self, obj):
        days = obj.business_days_waiting()
        state, due = obj.due_state()
        labels = {
            "overdue": gettext("Overdue"),
            "due_today": gettext("Due today"),
            "due": gettext("Due %(date)s") % {"date": date_format(due, "D j M")} if due else "",
        }
        if not state:
            return days
        return format_html('{} <span class="cip-badge cip-badge-{}">{}</span>', days, state, labels[state])

    @admin.display(description=_("assigned"), ordering="assigned_to__username")
    def assigned_display(self, obj):
        return obj.assigned_to.get_username() if obj.assigned_to_id else "—"

    @admin.display(description=_("contact"))
    def contact_masked(self, obj):
        return " ".join(part for part in (_mask_phone(obj.contact_phone), _mask_email(obj.contact_email)) if part)

    @admin.display(description=_("duplicate?"), ordering="-is_likely_duplicate")
    def duplicate_flag(self, obj):
        if not obj.is_likely_duplicate:
            return ""
        return format_html('<span class="cip-badge cip-badge-duplicate">{}</span>', gettext("Likely duplicate"))

    @admin.display(description=_("likely duplicates"))
    def likely_duplicates(self, obj):
        others = (
            Submission.objects.open()
            .filter(patient_name__iexact=obj.patient_name, patient_dob=obj.patient_dob)
            .exclude(pk=obj.pk)
            .only("pk", "reference")
        )
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:referrals_submission_change", args=[other.pk]), other.reference) for other in others),
        )
        return links or "—"

    @admin.display(description=_("first contact due"))
    def first_contact_due_display(self, obj):
        return obj.first_contact_due()

    @admin.display(description=_("decision due"))
    def review_due_display(self, obj):
        return obj.review_due() or "—"

    @admin.display(description=_("records complete"), boolean=True)
    def records_complete_display(self, obj):
        return obj.records_complete

    # --- The change form: every change through the services ---

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and change:
            services.record_access(
                user=request.user, action=AccessLog.Action.VIEW, submissions=[obj], client_ip=client_ip(request)
            )
        context["can_export"] = self.has_export_permission(request)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_model(self, request, obj, form, change):
        """Run each requested step through its service; nothing is saved from the form itself."""
        data = form.cleaned_data
        user = request.user
        steps = []
        if data.get("assign_to_me"):
            steps.append(lambda: services.assign(submission=obj, to=user, by=user))
        elif "assign_to" in form.changed_data:
            steps.append(lambda: services.assign(submission=obj, to=data.get("assign_to"), by=user))
        if data.get("mark_contacted"):
            steps.append(lambda: services.mark_contacted(submission=obj, by=user))
        for item, state in form.record_changes():
            steps.append(
                lambda item=item, state=state: services.set_record_item(submission=obj, item=item, state=state, by=user)
            )
        if data.get("new_status"):
            steps.append(
                lambda: services.transition(
                    submission=obj,
                    to_status=data["new_status"],
                    by=user,
                    note=data.get("status_note", ""),
                    decline_reason=data.get("set_decline_reason", ""),
                    consult_date=data.get("set_consult_date"),
                )
            )
        if data.get("new_note", "").strip():
            steps.append(lambda: services.add_note(submission=obj, body=data["new_note"], by=user))
        for step in steps:
            try:
                step()
            except services.WorkflowError as error:
                request.workflow_refused = True
                messages.error(request, str(error))

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        # After a refused step the page must not also say "changed successfully".
        if level == messages.SUCCESS and getattr(request, "workflow_refused", False):
            return
        super().message_user(request, message, level, *args, **kwargs)

    def save_related(self, request, form, formsets, change):
        # The inlines are read-only; the checklist and notes were written by save_model.
        pass

    def construct_change_message(self, request, form, formsets, add=False):
        # Names of the panel fields used (never their values); the inlines saved nothing.
        return construct_change_message(form, [], add)

    # --- Actions (the same services, row by row, with a summary) ---

    def _each(self, request, queryset, step):
        done, refused = 0, []
        for submission in queryset:
            try:
                step(submission)
            except services.WorkflowError as error:
                refused.append(str(error))
            else:
                done += 1
        summary = ngettext("%(count)d changed", "%(count)d changed", done) % {"count": done}
        if refused:
            self.message_user(request, "; ".join([summary, *refused]), messages.WARNING)
        else:
            self.message_user(request, summary, messages.SUCCESS)

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._each(request, queryset, lambda s: services.assign(submission=s, to=request.user, by=request.user))

    @admin.action(description=_("Mark contacted"), permissions=["change"])
    def mark_contacted(self, request, queryset):
        self._each(request, queryset, lambda s: services.mark_contacted(submission=s, by=request.user))

    def _intermediate(self, request, queryset, form, action, title):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "action": action,
            "submissions": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "referrals/admin/action_form.html", context)

    @admin.action(description=_("Assign to a coordinator…"), permissions=["change"])
    def assign_to_coordinator(self, request, queryset):
        form = AssignForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            to = form.cleaned_data["coordinator"]
            self._each(request, queryset, lambda s: services.assign(submission=s, to=to, by=request.user))
            return None
        return self._intermediate(request, queryset, form, "assign_to_coordinator", gettext("Assign to a coordinator"))

    @admin.action(description=_("Change status…"), permissions=["change"])
    def change_status(self, request, queryset):
        form = StatusForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            self._each(
                request,
                queryset,
                lambda s: services.transition(
                    submission=s,
                    to_status=data["status"],
                    by=request.user,
                    note=data["note"],
                    decline_reason=data["decline_reason"],
                    consult_date=data["consult_date"],
                ),
            )
            return None
        return self._intermediate(request, queryset, form, "change_status", gettext("Change status"))

    @admin.action(description=_("Export selected as CSV"), permissions=["export"])
    def export_csv(self, request, queryset):
        submissions = list(Submission.objects.filter(pk__in=queryset.values("pk")).select_related("assigned_to"))
        services.record_access(
            user=request.user, action=AccessLog.Action.EXPORT, submissions=submissions, client_ip=client_ip(request)
        )
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in services.export_rows(submissions)), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="submissions-{stamp}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


SEARCH_VAR = "q"
SEARCH_KEY_VAR = "qk"
SEARCH_SESSION_KEY = "cip_admin_searches"
SEARCHES_KEPT = 20


def remember_search(request, term):
    """Keep ``term`` in the session under a new random key (the last few searches only); return the key."""
    searches = request.session.get(SEARCH_SESSION_KEY, {})
    key = secrets.token_urlsafe(9)
    searches[key] = term
    request.session[SEARCH_SESSION_KEY] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return key


class SearchKeyChangeList(ChangeList):
    """The changelist for a search made through ``search_view``: ``qk`` names the search, and is not a filter."""

    def get_filters_params(self, params=None):
        params = super().get_filters_params(params)
        params.pop(SEARCH_KEY_VAR, None)
        return params

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # Show the words in the search box (the page body, not the URL).
        self.query = getattr(request, "cip_search_term", self.query)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """The audit trail: superusers read it; nobody changes it through the app."""

    list_display = ["at_utc", "username", "action", "object_repr", "client_ip"]
    list_filter = ["action"]
    search_fields = ["=username", "object_repr"]
    date_hierarchy = "at"
    list_select_related = []
    show_full_result_count = False
    fields = ["at_utc", "user", "username", "action", "submission", "object_repr", "client_ip"]
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
