"""Age limits as trial registries write them ("1 Year", "18 Months", "6 Weeks"), and the months we compare.

ClinicalTrials.gov gives each study a minimum and a maximum age as a number and
a unit. A limit is inclusive in its own unit: "25 Years" as a maximum admits a
patient of 25 years and 11 months, "18 Months" admits one of 18 months. We
compare whole months of age, so:

- a minimum in years or months is exact (``N Years`` is ``12 N`` months);
- a maximum in years runs to the last month of that year (``12 N + 11``);
- weeks, days, hours and minutes are rounded to months so that no patient
  the limit admits is left out (a minimum down, a maximum up). Matching is a
  coordinator's first look, not an eligibility decision.

No maximum ("N/A", or no field) means no upper limit: ``None``.
"""

import math
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

DAYS_PER_MONTH = 365.25 / 12
# The registry's units, singular and plural, to days per unit (None: counted in months).
UNIT_DAYS = {"year": None, "month": None, "week": 7, "day": 1, "hour": 1 / 24, "minute": 1 / 1440}
AGE_RE = re.compile(r"\A\s*(\d{1,4})\s+(years?|months?|weeks?|days?|hours?|minutes?)\s*\Z", re.IGNORECASE)
NO_LIMIT = {"", "n/a", "na", "none"}
MAX_AGE_YEARS = 120


@dataclass(frozen=True)
class AgeLimit:
    amount: int
    unit: str  # singular, lower case: "year", "month", "week", "day", "hour" or "minute"

    def __str__(self):
        """The registry's own spelling: "1 Year", "18 Months"."""
        unit = self.unit.capitalize() + ("" if self.amount == 1 else "s")
        return f"{self.amount} {unit}"

    def months(self, *, as_maximum):
        """The limit in whole months, inclusive, for comparing with a patient's age in whole months."""
        if self.unit == "year":
            return self.amount * 12 + (11 if as_maximum else 0)
        if self.unit == "month":
            return self.amount
        months = self.amount * UNIT_DAYS[self.unit] / DAYS_PER_MONTH
        return math.ceil(months) if as_maximum else math.floor(months)

    def display(self):
        """In the reader's language: "1 year", "18 months"."""
        labels = {
            "year": ngettext("%(n)d year", "%(n)d years", self.amount),
            "month": ngettext("%(n)d month", "%(n)d months", self.amount),
            "week": ngettext("%(n)d week", "%(n)d weeks", self.amount),
            "day": ngettext("%(n)d day", "%(n)d days", self.amount),
            "hour": ngettext("%(n)d hour", "%(n)d hours", self.amount),
            "minute": ngettext("%(n)d minute", "%(n)d minutes", self.amount),
        }
        return labels[self.unit] % {"n": self.amount}


def parse_age(text):
    """``"18 Months"`` -> ``AgeLimit(18, "month")``; ``""``, ``"N/A"`` or ``None`` -> ``None`` (no limit).

    Raises ``ValidationError`` for anything else, naming what was given.
    """
    if text is None or str(text).strip().lower() in NO_LIMIT:
        return None
    match = AGE_RE.match(str(text))
    if not match:
        raise ValidationError(
            _("“%(value)s” is not an age limit. Write a number and a unit, for example “1 Year” or “18 Months”."),
            code="invalid_age",
            params={"value": str(text)[:40]},
        )
    amount, unit = int(match[1]), match[2].lower().rstrip("s")
    limit = AgeLimit(amount, unit)
    if limit.months(as_maximum=False) > MAX_AGE_YEARS * 12:
        raise ValidationError(
            _("“%(value)s” is older than %(max)d years."),
            code="age_too_old",
            params={"value": str(text)[:40], "max": MAX_AGE_YEARS},
        )
    return limit


def validate_age_limit(text):
    parse_age(text)
