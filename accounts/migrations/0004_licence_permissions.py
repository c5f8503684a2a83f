from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    # Registry admins maintain framework licences; mandates are the clients' own, so they only see them.
    "registry_admin": [
        "view_frameworklicence",
        "add_frameworklicence",
        "change_frameworklicence",
        "view_clientmandate",
    ],
    "officer": ["view_frameworklicence", "view_clientmandate"],
    "decision_maker": ["view_frameworklicence", "view_clientmandate"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_framework_licences")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
