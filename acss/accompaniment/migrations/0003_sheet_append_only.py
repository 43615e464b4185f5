"""On PostgreSQL the sheet's entries refuse UPDATE (append-only at the database level, like the audit trail);
no service changes one on any database."""

from django.db import migrations

from acss.core.triggers import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("accompaniment", "0002_plan_templates")]

    operations = [
        refuse_changes(
            table="accompaniment_sheetentry",
            function="accompaniment_sheetentry_append_only",
            trigger="accompaniment_sheetentry_no_update",
            message="accompaniment_sheetentry is append-only",
        )
    ]
