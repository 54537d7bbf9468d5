"""The coordinators' admin. Importing the package registers its model admins on the two-factor site.

site.py         the two-factor admin site (installed as ``admin.site`` by ``referrals.apps.CipAdminConfig``)
submission.py   the queue and the change page (configuration, plus hooks that call the services)
search.py       search by POST, so what a coordinator types never lands in a URL (a mixin for any changelist)
filters.py      the queue's own list filters; inlines.py the read-only inlines; access_log.py the audit trail
status_lookups.py  the status page's lookups (superusers read them)
views.py        document download, dashboard, authenticator enrolment; forms.py the admin's forms
"""

from referrals.admin import access_log, status_lookups, submission  # noqa: F401  (registration)
