from django.contrib.auth.management import create_permissions
from django.db import migrations

CATALOGUE = ["product", "datagroup", "purpose", "disclosureprohibition", "termsversion"]
CASES = ["application", "applicationversion", "attachment", "consultation", "permit", "permitevent"]

GRANTS = {
    "officer": [("permits", "process_permit")]
    + [("applications", f"view_{m}") for m in CATALOGUE + CASES[:4]]
    + [("permits", "view_permit"), ("permits", "view_permitevent")],
    "decision_maker": [("permits", "process_permit"), ("permits", "decide_permit")]
    + [("applications", f"view_{m}") for m in CATALOGUE + CASES[:4]]
    + [("permits", "view_permit"), ("permits", "view_permitevent")],
    # Registry admins maintain the catalogue; nothing in it is ever deleted, only retired.
    "registry_admin": [
        ("applications", f"{action}_{m}") for m in CATALOGUE for action in ("view", "add", "change")
    ],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in perms:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("permits", "0001_initial"),
        ("applications", "0002_seed_catalogue"),
        ("accounts", "0002_staff_groups_and_audit_guard"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
