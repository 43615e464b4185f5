"""On PostgreSQL the versions of a regulatory filing refuse UPDATE (what the structure saved stays as it saved
it, at the database level too, like the audit trail and the follow-up sheet); no service changes one anywhere."""

from django.db import migrations

from acss.core.triggers import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_declaration_imported")]

    operations = [
        refuse_changes(
            table="incidents_regulatoryfilingversion",
            function="incidents_filingversion_append_only",
            trigger="incidents_filingversion_no_update",
            message="incidents_regulatoryfilingversion is append-only",
        )
    ]
