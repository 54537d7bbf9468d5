"""Public views of the referrals app. Nothing here stores data: services do.

intake.py  the three forms and their confirmation page
status.py  the status page: a reference number and a date of birth give the plain-language stage
"""

from referrals.views.intake import confirmation, existing_patient, max_body_bytes, refer, second_opinion
from referrals.views.status import status

__all__ = ["confirmation", "existing_patient", "max_body_bytes", "refer", "second_opinion", "status"]
