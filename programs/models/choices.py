"""Fixed choices of the program's content: study statuses and phases, and the site's fixed pages."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StudyStatus(models.TextChoices):
    NOT_YET_RECRUITING = "not_yet_recruiting", _("Not yet recruiting")
    RECRUITING = "recruiting", _("Recruiting")
    ENROLLING_BY_INVITATION = "enrolling_by_invitation", _("Enrolling by invitation")
    ACTIVE_NOT_RECRUITING = "active_not_recruiting", _("Active, not recruiting")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    UNKNOWN = "unknown", _("Status not verified")


# The order studies are listed in: the ones a family can join first.
STATUS_DISPLAY_ORDER = [
    StudyStatus.RECRUITING,
    StudyStatus.ENROLLING_BY_INVITATION,
    StudyStatus.NOT_YET_RECRUITING,
    StudyStatus.ACTIVE_NOT_RECRUITING,
    StudyStatus.SUSPENDED,
    StudyStatus.COMPLETED,
    StudyStatus.TERMINATED,
    StudyStatus.WITHDRAWN,
    StudyStatus.UNKNOWN,
]


class StudyPhase(models.TextChoices):
    EARLY_PHASE_1 = "early_1", _("Early phase 1")
    PHASE_1 = "1", _("Phase 1")
    PHASE_1_2 = "1_2", _("Phase 1/2")
    PHASE_2 = "2", _("Phase 2")
    PHASE_2_3 = "2_3", _("Phase 2/3")
    PHASE_3 = "3", _("Phase 3")
    PHASE_4 = "4", _("Phase 4")
    NOT_APPLICABLE = "na", _("Not applicable")


class PageKey(models.TextChoices):
    FAMILIES = "families", _("What to expect: families")
    PHYSICIANS = "physicians", _("What to expect: referring physicians")
    EXISTING_PATIENTS = "existing_patients", _("Existing patients and family members")
    COSTS = "costs", _("Families: cost and insurance")
    TRAVEL = "travel", _("Families: travel and lodging")
    INTERPRETERS = "interpreters", _("Families: interpreters")
    HOURS = "hours", _("Families: office hours and after hours")


# The answers to what families ask before they call, each at /families/<key>/, in this order.
FAMILY_TOPICS = (PageKey.COSTS, PageKey.TRAVEL, PageKey.INTERPRETERS, PageKey.HOURS)
