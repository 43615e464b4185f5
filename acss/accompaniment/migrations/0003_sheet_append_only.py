"""On PostgreSQL the sheet's entries refuse UPDATE (append-only at the database level, like the audit trail);
no service changes one on any database."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION accompaniment_sheetentry_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'accompaniment_sheetentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accompaniment_sheetentry_no_update BEFORE UPDATE ON accompaniment_sheetentry
  FOR EACH ROW EXECUTE FUNCTION accompaniment_sheetentry_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accompaniment_sheetentry_no_update ON accompaniment_sheetentry;
DROP FUNCTION IF EXISTS accompaniment_sheetentry_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accompaniment", "0002_plan_templates")]

    operations = [migrations.RunPython(forward, backward)]
