"""Outages of the services a request depends on: the database and the document storage.

A request that fails because one of them cannot be reached gets the designed 503
page with ``Retry-After`` (core.views.server_error), not the 500 page: the person
can try again in a minute, and the form token makes a second send safe.
"""

from django.db import InterfaceError, OperationalError


class ServiceUnavailable(Exception):
    """A backing service (named in the message, never with PHI) failed; raised from the original error."""


def is_outage(exc):
    """True when ``exc``, or what it was raised from, is an outage rather than a bug.

    OperationalError is a refused connection, a server restarting, a connection
    cut, a lock or statement timeout: all passing. InterfaceError is a connection
    already closed under us. ServiceUnavailable is raised by the code that writes
    documents when the storage refuses.
    """
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (OperationalError, InterfaceError, ServiceUnavailable)):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False
