"""Staff placeholders: text that stands for a fact the program has yet to supply.

Shipped and draft content may hold them (``[[number of weeks]]``, an example.org
address); published content must not, because a family would read them as real.
The model's ``clean`` refuses to publish a row that holds one, and a test checks
the shipped content.
"""

import re

MARKERS = (
    re.compile(r"\[\[|\]\]"),
    re.compile(r"\b(?:TODO|TBD|XXX)\b"),  # upper case only: Spanish "todo" is a word
    re.compile(
        r"lorem ipsum|placeholder|example listing|example study|replace this|555-01\d\d|\bexample\.(?:org|com|net)\b",
        re.IGNORECASE,
    ),
)


def placeholder_in(text):
    """The first placeholder marker in ``text``, or None."""
    for marker in MARKERS:
        found = marker.search(text or "")
        if found:
            return found.group(0)
    return None
