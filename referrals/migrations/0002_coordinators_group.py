"""The Coordinators group, with exactly what the job needs and no delete permission."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The one list of the group's permissions (a later change to it comes with its own data migration).
from referrals.roles import COORDINATORS_GROUP, coordinator_permissions


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran (post_migrate);
    # create them now so the group can be filled on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    group.permissions.set(coordinator_permissions(Permission))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=COORDINATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
