from django.db import migrations

# The work queue counts its cases per state with one GROUP BY over its partial index (permits_queue_idx);
# the triggers that kept counts per state, their table and the task that folded them are gone.
DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS permits_count_truncated ON permits_permit;
DROP TRIGGER IF EXISTS permits_count_deleted ON permits_permit;
DROP TRIGGER IF EXISTS permits_count_updated ON permits_permit;
DROP TRIGGER IF EXISTS permits_count_inserted ON permits_permit;
DROP FUNCTION IF EXISTS permits_count_states();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("permits", "0009_state_counts"),
    ]

    operations = [
        # Going back recreates an empty table without its triggers: nothing reads it any more.
        migrations.RunSQL(DROP_TRIGGERS, migrations.RunSQL.noop),
        migrations.DeleteModel(name="StateCount"),
    ]
