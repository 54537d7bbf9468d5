"""Who may do what: the Coordinators group and its permissions. One list, used by migration 0002 and the tests."""

# The staff group whose members triage submissions.
COORDINATORS_GROUP = "Coordinators"

# (model, codename) in the referrals app: exactly what the job needs, and no delete permission.
COORDINATOR_PERMISSIONS = [
    ("submission", "view_submission"),
    ("submission", "change_submission"),
    ("submission", "export_submission"),
    ("submission", "download_attachment"),
    ("submission", "view_dashboard"),
    ("note", "view_note"),
    ("note", "add_note"),
    ("attachment", "view_attachment"),
    ("recorditem", "view_recorditem"),
    ("recorditem", "change_recorditem"),
    ("statuschange", "view_statuschange"),
]


def coordinator_permissions(permission_model):
    """The Permission rows for COORDINATOR_PERMISSIONS (``permission_model``: the real or the migration's model)."""
    return [
        permission_model.objects.get(content_type__app_label="referrals", content_type__model=model, codename=codename)
        for model, codename in COORDINATOR_PERMISSIONS
    ]
