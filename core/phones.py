"""The program's phone lines, from settings: the main line, the physician-to-physician line and the
after-hours line for existing patients.

Numbers in the 555-0100 to 555-0199 range are reserved for fiction in North
America; such a number is a placeholder and every page that shows it says so
(it is never a ``tel:`` link). The lines are read from settings only, never
the database, so the error pages (500 included) can show them.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# The NANP's fictional range: 555-0100 through 555-0199 (any area code).
_FICTIONAL = re.compile(r"55501\d\d$")


@dataclass(frozen=True)
class PhoneLine:
    key: str
    label: str
    number: str

    @property
    def digits(self):
        return re.sub(r"\D", "", self.number)

    @property
    def is_placeholder(self):
        """True for a number in the 555-01xx range (or no number at all): never present it as real."""
        return not self.digits or bool(_FICTIONAL.search(self.digits))

    @property
    def tel(self):
        """The ``tel:`` target: digits with a leading + when the number was written with one."""
        return ("+" if self.number.strip().startswith("+") else "") + self.digits

    @property
    def setting(self):
        """The setting (and environment variable) that holds this line's number: PHONE_MAIN and so on."""
        return f"PHONE_{self.key.upper()}"

    def __str__(self):
        return self.number


@dataclass(frozen=True)
class PhoneLines:
    main: PhoneLine
    physician: PhoneLine
    after_hours: PhoneLine

    def __iter__(self):
        return iter((self.main, self.physician, self.after_hours))

    @property
    def placeholders(self):
        return [line for line in self if line.is_placeholder]

    @property
    def any_placeholder(self):
        return any(line.is_placeholder for line in self)


def phone_lines():
    """The three lines as configured now (settings are read at call time, so tests can change them)."""
    return PhoneLines(
        main=PhoneLine("main", _("Main line"), settings.PHONE_MAIN),
        physician=PhoneLine("physician", _("Physician-to-physician line"), settings.PHONE_PHYSICIAN),
        after_hours=PhoneLine("after_hours", _("After-hours line for existing patients"), settings.PHONE_AFTER_HOURS),
    )
