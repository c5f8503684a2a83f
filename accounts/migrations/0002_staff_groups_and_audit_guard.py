from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF_GROUP_PERMISSIONS = {
    "officer": ["view_organisation", "view_membership", "view_user"],
    "decision_maker": ["view_organisation", "view_membership", "view_user"],
    "registry_admin": [
        "view_organisation",
        "change_organisation",
        "view_membership",
        "view_user",
        "add_user",
        "change_user",
        "view_invitation",
        "view_auditevent",
    ],
}


def create_staff_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure those we grant exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in STAFF_GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
        )


def remove_staff_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=STAFF_GROUP_PERMISSIONS).delete()


APPEND_ONLY = """
CREATE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION accounts_auditevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_staff_groups, remove_staff_groups),
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
    ]
