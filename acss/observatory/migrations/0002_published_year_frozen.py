"""On PostgreSQL a published year refuses UPDATE and DELETE (frozen at the database level, like the audit
trail); the model refuses both on any database."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION observatory_publishedyear_frozen() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'observatory_publishedyear is frozen: publish a new version instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER observatory_publishedyear_no_change BEFORE UPDATE OR DELETE ON observatory_publishedyear
  FOR EACH ROW EXECUTE FUNCTION observatory_publishedyear_frozen();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS observatory_publishedyear_no_change ON observatory_publishedyear;
DROP FUNCTION IF EXISTS observatory_publishedyear_frozen();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("observatory", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
