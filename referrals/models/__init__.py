"""
What arrives through the public forms, and what coordinators do with it.

One ``Submission`` table holds all three kinds (referral, second opinion,
existing patient) so there is one queue. Its ``reference`` is the only identity
people see: ``__str__`` returns it, so no patient name reaches the admin's log.

submission.py  Submission, age_on, the private storage
choices.py     its kind, status, stage (what the public sees), urgency and language
clocks.py      its promises: first contact (urgent or routine), records follow-up, decision
queryset.py    SubmissionQuerySet: the open queue, what is overdue, likely duplicates, the queue's order
documents.py   Attachment (a submitted file) and RecordItem (the records checklist)
history.py     StatusChange, Note, AccessLog and StatusLookup: append-only
records.py     RecordsRequest: a coordinator's request for records, with its secure upload link
outbox.py      Notification: the email outbox
"""

from referrals.models.documents import Attachment, RecordItem
from referrals.models.history import AccessLog, Note, StatusChange, StatusLookup
from referrals.models.outbox import Notification
from referrals.models.records import RecordsRequest, token_hash
from referrals.models.submission import Submission, age_on, private_storage

__all__ = [
    "AccessLog",
    "Attachment",
    "Note",
    "Notification",
    "RecordItem",
    "RecordsRequest",
    "StatusChange",
    "StatusLookup",
    "Submission",
    "age_on",
    "private_storage",
    "token_hash",
]
