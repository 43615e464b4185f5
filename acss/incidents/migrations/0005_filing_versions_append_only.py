"""On PostgreSQL the versions of a regulatory filing refuse UPDATE (what the structure saved stays as it saved
it, at the database level too, like the audit trail and the follow-up sheet); no service changes one anywhere."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION incidents_filingversion_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'incidents_regulatoryfilingversion is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER incidents_filingversion_no_update BEFORE UPDATE ON incidents_regulatoryfilingversion
  FOR EACH ROW EXECUTE FUNCTION incidents_filingversion_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS incidents_filingversion_no_update ON incidents_regulatoryfilingversion;
DROP FUNCTION IF EXISTS incidents_filingversion_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_declaration_imported")]

    operations = [migrations.RunPython(forward, backward)]
