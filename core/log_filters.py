"""Logging filters: no secret link ever reaches a log line.

A records link (``/records/<token>/``) and a confirmation page
(``/received/<token>/``) carry their secret in the path. Django's own loggers
write the path of every 4xx and 5xx answer ("Not Found: /records/…/"), and the
development server writes every request's, so the token is masked in each
record before any handler formats it.
"""

import logging
import re

SECRET_PATH = re.compile(r"(/(?:[a-z]{2}/)?(?:records|received)/)[^/\s\"?]+")


def redact(text):
    return SECRET_PATH.sub(r"\1[token]", text)


class RedactSecretPaths(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
