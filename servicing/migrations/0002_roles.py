"""Roles are groups: agent, supervisor, ops, admin (ARCHITECTURE.md "Auth")."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["agent", "supervisor", "ops", "admin"]
# Admin-site permissions per role (pages check roles themselves).
OPS_PERMISSIONS = [
    ("servicing", "holiday", ["add", "change", "delete", "view"]),
    ("servicing", "jobrun", ["view"]),
    ("servicing", "activityentry", ["view"]),
    ("servicing", "tenantsettings", ["view"]),
]
ADMIN_APPS = ["servicing", "loans", "auth"]


def _ensure_permissions(apps):
    # Permissions are normally created after migrate; create them now to assign them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_roles(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    _ensure_permissions(apps)
    groups = {name: group_model.objects.get_or_create(name=name)[0] for name in ROLES}
    for app_label, model, actions in OPS_PERMISSIONS:
        codenames = [f"{action}_{model}" for action in actions]
        groups["ops"].permissions.add(
            *permission_model.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
    groups["admin"].permissions.add(
        *permission_model.objects.filter(content_type__app_label__in=ADMIN_APPS)
    )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("servicing", "0001_initial"),
        ("loans", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
