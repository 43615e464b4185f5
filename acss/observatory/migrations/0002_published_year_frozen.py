"""On PostgreSQL a published year refuses UPDATE and DELETE (frozen at the database level, like the audit
trail); the model refuses both on any database."""

from django.db import migrations

from acss.core.triggers import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("observatory", "0001_initial")]

    operations = [
        refuse_changes(
            table="observatory_publishedyear",
            function="observatory_publishedyear_frozen",
            trigger="observatory_publishedyear_no_change",
            message="observatory_publishedyear is frozen: publish a new version instead",
            delete=True,
        )
    ]
