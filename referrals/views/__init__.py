"""Public views of the referrals app. Nothing here stores data: services do.

intake.py   the three forms and their confirmation page
status.py   the status page: a reference number and a date of birth give the plain-language stage
records.py  a records link: upload the records a coordinator asked for
"""

from referrals.views.intake import confirmation, existing_patient, max_body_bytes, refer, second_opinion
from referrals.views.records import received as records_received
from referrals.views.records import upload as records_upload
from referrals.views.status import status

__all__ = [
    "confirmation",
    "existing_patient",
    "max_body_bytes",
    "records_received",
    "records_upload",
    "refer",
    "second_opinion",
    "status",
]
