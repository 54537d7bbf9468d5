"""The coordinators' queue: one changelist for every kind of submission, and its change page.

Every change goes through ``referrals.services`` (the change form, the actions
and the buttons alike), so each writes its history row. Nothing here deletes.
The submitted answers shown on the change page come from the submission's own
form (``referrals.forms``): the admin never lists them itself.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import construct_change_message
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.client_address import client_ip
from referrals.admin import actions
from referrals.admin.changelist import QueueChangeList
from referrals.admin.columns import SubmissionColumnsMixin
from referrals.admin.filters import AssignedFilter, OverdueFilter, RecordsFollowUpFilter, StatusFilter
from referrals.admin.forms import SubmissionWorkflowForm
from referrals.admin.inlines import AttachmentInline, NoteInline, RecordsRequestInline, StatusChangeInline
from referrals.admin.prescreen import (
    PRESCREEN_FIELDSET,
    PRESCREEN_READONLY,
    EarlierTreatmentFilter,
    PreScreenDisplayMixin,
    StudyMatchFilter,
    StudyReferredForFilter,
    has_prescreen,
)
from referrals.admin.search import IndexedSearchMixin, SearchByPostMixin
from referrals.forms import INTAKE_FORMS
from referrals.models import AccessLog, Submission
from referrals.services import audit, workflow

# The coordinators' fields at the top of every change page (the submitted answers follow, per kind).
WORKFLOW_FIELDSETS = [
    (
        None,
        {"fields": [("reference", "kind"), ("status", "urgency"), ("received_at", "language"), "likely_duplicates"]},
    ),
    (
        _("Workflow"),
        {
            "fields": [
                ("assigned_to", "assign_me", "assign_to"),
                ("first_contacted_at", "first_contact_due_display"),
                "contacted_now",
                ("decided_at", "review_due_display"),
                ("consult_date", "decline_reason"),
                "send_notices",
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
    (
        _("Ask for records, or add records that came by fax or email"),
        {
            "fields": [
                ("records_requested_at", "records_follow_up_due_display"),
                "request_items",
                ("request_to", "request_phrasing"),
                "revoke_links",
                ("attach_files", "attach_as"),
            ]
        },
    ),
]
RECORDS_REQUEST_FIELDS = {"request_items", "request_to", "request_phrasing", "revoke_links"}
WORKFLOW_READONLY = [
    "reference",
    "kind",
    "status",
    "urgency",
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
    "records_requested_at",
    "records_follow_up_due_display",
    "patient_age_display",
    "records_display",
    *PRESCREEN_READONLY,
]


def _without(fieldsets, names):
    """The fieldsets with ``names`` left out (lines and fieldsets left empty are dropped)."""
    kept = []
    for title, options in fieldsets:
        lines = []
        for line in options["fields"]:
            line = tuple(name for name in line if name not in names) if isinstance(line, tuple) else line
            if line and line not in names:
                lines.append(line[0] if isinstance(line, tuple) and len(line) == 1 else line)
        if lines:
            kept.append((title, {**options, "fields": lines}))
    return kept


def _names(fieldsets):
    return [
        name
        for _title, options in fieldsets
        for line in options["fields"]
        for name in (line if isinstance(line, tuple) else [line])
    ]


def reference_as_stored(word):
    """A typed reference as stored: capitals, and "CIP-" added to "7KQ2-9XHD"."""
    word = word.upper()
    if len(word) == 9 and word[4] == "-":
        word = f"CIP-{word}"
    return word if len(word) == 13 and word.startswith("CIP-") else ""


class QueueCountPaginator(Paginator):
    """Counts exactly up to QUEUE_EXACT_COUNT_LIMIT; past it (PostgreSQL) the planner's estimate, shown as "about N"."""

    @cached_property
    def _count(self):
        if not hasattr(self.object_list, "queue_count"):  # the object history page paginates LogEntry rows
            return self.object_list.count(), False
        return self.object_list.queue_count(settings.QUEUE_EXACT_COUNT_LIMIT)

    @property
    def count(self):
        return self._count[0]

    @property
    def count_is_estimated(self):
        return self._count[1]


@admin.register(Submission)
class SubmissionAdmin(
    SearchByPostMixin, IndexedSearchMixin, SubmissionColumnsMixin, PreScreenDisplayMixin, admin.ModelAdmin
):
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
    list_filter = [
        StatusFilter,  # open submissions unless another status (or all) is chosen
        ("received_at", admin.DateFieldListFilter),  # today, past 7 days, this month, this year: no query
        "kind",
        "urgency",
        AssignedFilter,
        OverdueFilter,
        RecordsFollowUpFilter,
        StudyMatchFilter,
        "disease_status",
        "cd19_status",
        EarlierTreatmentFilter,
        StudyReferredForFilter,
        "language",
        "interpreter_needed",
    ]
    # Searching by reference is preferred; the search box POSTs (SearchByPostMixin), so the words stay out of URLs.
    # Each field through its own index (IndexedSearchMixin): the reference and the NPI exactly (their btree
    # indexes), names and emails anywhere in them (the trigram indexes on UPPER(field), migration 0003).
    search_fields = ["=reference", "=referrer_npi", "patient_name", "referrer_name", "contact_email", "referrer_email"]
    search_normalizers = {"reference": reference_as_stored, "referrer_npi": lambda word: word if word.isdigit() else ""}
    search_help_text = _("Reference, patient name, referring clinician, NPI or email. Prefer the reference number.")
    # No date_hierarchy: it runs SELECT DISTINCT over every row on each page; the "received" filter replaces it.
    list_select_related = ["assigned_to"]
    list_per_page = 50
    paginator = QueueCountPaginator
    show_full_result_count = False  # the paginator already counts once
    actions = [
        actions.assign_to_me,
        actions.assign_to_coordinator,
        actions.mark_contacted,
        actions.change_status,
        actions.export_csv,
        actions.export_fhir,
    ]
    inlines = [AttachmentInline, RecordsRequestInline, StatusChangeInline, NoteInline]

    # --- The change page: the workflow, then the answers the submission's own form asked for ---

    def get_fieldsets(self, request, obj=None):
        kinds = [obj.kind] if obj is not None else list(INTAKE_FORMS)
        submitted = [fieldset for kind in kinds for fieldset in INTAKE_FORMS[kind].staff_fieldsets()]
        if obj is not None and obj.urgency == Submission.Urgency.URGENT:
            # Why it is urgent is the first thing to read: its section goes first.
            submitted.sort(key=lambda fieldset: "urgent_reason" not in _names([fieldset]))
        workflow_fieldsets = WORKFLOW_FIELDSETS
        if obj is not None and not obj.records_recipients():
            # A message from an existing patient (or a form without an address): nobody to send a link to.
            workflow_fieldsets = _without(workflow_fieldsets, RECORDS_REQUEST_FIELDS)
        if not self.has_change_permission(request, obj):
            # Read-only staff see where things stand, not the panel's controls.
            readable = [
                (title, {**options, "fields": [*options["fields"], "records_display"]})
                for title, options in WORKFLOW_FIELDSETS[2:3]
            ]
            workflow_fieldsets = _without(
                [*WORKFLOW_FIELDSETS[:2], *readable, *WORKFLOW_FIELDSETS[3:]], set(SubmissionWorkflowForm.base_fields)
            )
        if obj is not None and has_prescreen(obj):
            # What triage decides on first: the pre-screen and the studies that could suit the patient.
            workflow_fieldsets = [*workflow_fieldsets[:1], PRESCREEN_FIELDSET, *workflow_fieldsets[1:]]
        return [*workflow_fieldsets, *submitted]

    def get_readonly_fields(self, request, obj=None):
        # Everything shown that is not one of the workflow panel's own fields: nothing submitted is editable.
        panel = set(SubmissionWorkflowForm.declared_fields)
        shown = [name for name in _names(self.get_fieldsets(request, obj)) if name not in panel]
        return list(dict.fromkeys([*WORKFLOW_READONLY, *shown]))

    def get_queryset(self, request):
        # Not super(): it would order by the annotations before they exist.
        return self.model._default_manager.get_queryset().for_queue().order_by(*self.get_ordering(request))

    def get_object(self, request, object_id, from_field=None):
        """The change page's row, without the queue's annotations and order (Django reads it through get_queryset).

        Its coordinator comes in the same query; on a GET its checklist too, which the workflow panel and two
        read-only fields each read (one query instead of two). A POST reads the checklist fresh, after its steps.
        """
        queryset = self.model._default_manager.select_related("assigned_to")
        if request.method == "GET":
            queryset = queryset.prefetch_related("record_items")
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    def get_changelist(self, request, **kwargs):
        return QueueChangeList  # the page of rows rendered per column, not per cell (and the search by POST kept)

    def get_ordering(self, request):
        # SubmissionQuerySet.for_queue's order, less the ranks the status filter makes constant (so an index serves it).
        statuses = StatusFilter.statuses_for(request.GET.get(StatusFilter.parameter_name))
        return Submission.objects.queue_ordering(statuses)

    def queue_parts(self, request):
        """``get_ordering``'s order as parts an index gives in order (QueueChangeList reads a page from them).

        PostgreSQL only (the page's query needs a LIMIT inside a UNION); None where an index gives the order already.
        """
        if connections[Submission.objects.db].vendor != "postgresql":
            return None
        statuses = StatusFilter.statuses_for(request.GET.get(StatusFilter.parameter_name))
        return Submission.objects.queue_parts(statuses)

    # Submissions arrive through the public forms and are never deleted here.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_export_permission(self, request):
        return request.user.has_perm("referrals.export_submission")

    # --- Saving the change page: every change through the services ---

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and change:
            audit.record_access(
                user=request.user, action=AccessLog.Action.VIEW, submissions=[obj], client_ip=client_ip(request)
            )
        context["can_export"] = self.has_export_permission(request)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_model(self, request, obj, form, change):
        """Run each requested step through its service; nothing is saved from the form itself."""
        for step in form.workflow_steps(submission=obj, by=request.user, client_ip=client_ip(request)):
            try:
                step()
            except workflow.WorkflowError as error:
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

    def response_action(self, request, queryset):
        # Rows ticked one by one are acted on whatever the list's default status filter: the change page's export
        # posts to the list without one. "Select all" keeps the list's filters.
        if request.POST.get(admin.helpers.ACTION_CHECKBOX_NAME) and request.POST.get("select_across", "0") == "0":
            queryset = self.get_queryset(request)
        return super().response_action(request, queryset)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
