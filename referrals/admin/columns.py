"""The queue's computed columns and the change page's computed fields (``@admin.display``)."""

import re

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from referrals import selectors
from referrals.models import RecordItem, Submission

DUPLICATES_LISTED = 10  # the change page links to this many likely duplicates, the oldest, and counts the rest


def _mask_email(email):
    if not email:
        return ""
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _mask_phone(phone):
    # The digits as stored (a PhoneNumber read from the database keeps them as raw_input): the same last four as
    # str(phone), without validating and formatting the number for every row of the queue.
    text = getattr(phone, "raw_input", None) or str(phone or "")
    digits = "".join(ch for ch in text if ch.isdigit())
    return f"•••{digits[-4:]}" if digits else ""


class SubmissionColumnsMixin:
    """Columns that fit the queue on one screen, with no PHI beyond what triage needs (contact details masked)."""

    # The fields the queue's columns read (``QueueChangeList`` reads only these for a page of rows): a column that
    # reads another would cost a query per row, which tests/referrals/test_queue_scale.py's query counts catch.
    LIST_FIELDS = [
        "reference",
        "kind",
        "urgency",
        "status",
        "patient_dob",
        "diagnosis",
        "received_at",
        "first_contacted_at",
        "records_requested_at",
        "records_completed_at",
        "assigned_to",
        "contact_phone",
        "contact_email",
    ]

    # Short labels so the queue fits on one screen; the change page shows the full ones.
    KIND_SHORT = {
        Submission.Kind.REFERRAL: _("Referral"),
        Submission.Kind.SECOND_OPINION: _("Second opinion"),
        Submission.Kind.EXISTING_PATIENT: _("Existing patient"),
    }
    # Choice labels looked up in a mapping made once: get_FOO_display() rebuilds it (translating every label) per call.
    URGENCY_LABELS = dict(Submission.Urgency.choices)
    DIAGNOSIS_LABELS = dict(Submission.Diagnosis.choices)
    DUE_LABELS = {"overdue": _("Overdue"), "due_today": _("Due today")}
    CLOCK_LABELS = {
        "first_contact": _("first contact"),
        "records_follow_up": _("records follow-up"),
        "decision": _("decision"),
    }

    @admin.display(description=_("kind"), ordering="kind")
    def kind_short(self, obj):
        return self.KIND_SHORT.get(obj.kind) or obj.get_kind_display()

    @admin.display(description=_("urgency"), ordering="urgency")
    def urgency_badge(self, obj):
        label = self.URGENCY_LABELS.get(obj.urgency, obj.urgency)
        if obj.urgency == Submission.Urgency.URGENT:
            return format_html('<span class="cip-badge cip-badge-urgent">{}</span>', label)
        return label

    @admin.display(description=_("age"))
    def patient_age_display(self, obj):
        return obj.patient_age()

    @admin.display(description=_("diagnosis"), ordering="diagnosis")
    def diagnosis_short(self, obj):
        # "B-cell acute lymphoblastic leukemia (B-ALL)" -> "B-ALL", so the queue fits on a screen.
        label = str(self.DIAGNOSIS_LABELS.get(obj.diagnosis, obj.diagnosis))
        match = re.search(r"\(([^)]+)\)\s*$", label)
        return match.group(1) if match else label or "—"

    @admin.display(description=_("received"), ordering="received_at")
    def received_display(self, obj):
        return date_format(timezone.localtime(obj.received_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("business days waiting"), ordering="received_at")
    def waiting(self, obj):
        today = timezone.localdate()
        days = obj.business_days_waiting(today)
        clock, state, due = obj.next_clock(today)
        if not state:
            return days
        if state == "due":
            label = gettext("Due %(date)s") % {"date": date_format(due, "D j M")}
        else:
            label = self.DUE_LABELS[state]
        return format_html(
            '{} <span class="cip-badge cip-badge-{}">{}</span> <span class="cip-clock">{}</span>',
            days,
            state,
            label,
            self.CLOCK_LABELS[clock],
        )

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
        """Links to the oldest few, then how many more: a patient sent a thousand times is not a thousand links."""
        shown = list(selectors.likely_duplicates(obj, limit=DUPLICATES_LISTED))
        if not shown:
            return "—"
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:referrals_submission_change", args=[other.pk]), other.reference) for other in shown),
        )
        more = shown[0].total - len(shown)
        if not more:
            return links
        return format_html("{} {}", links, ngettext("and %(count)d more", "and %(count)d more", more) % {"count": more})

    @admin.display(description=_("first contact due"))
    def first_contact_due_display(self, obj):
        return obj.first_contact_due()

    @admin.display(description=_("records follow-up due"))
    def records_follow_up_due_display(self, obj):
        return obj.records_follow_up_due() or "—"

    @admin.display(description=_("decision due"))
    def review_due_display(self, obj):
        return obj.review_due() or "—"

    @admin.display(description=_("records complete"), boolean=True)
    def records_complete_display(self, obj):
        return obj.records_complete

    @admin.display(description=_("records"))
    def records_display(self, obj):
        states = obj.record_states()
        return format_html_join(
            ", ", "{}: {}", ((label, RecordItem.State(states[item]).label) for item, label in RecordItem.Item.choices)
        )
