"""The database refuses to change a reflex sheet version's content: a new text is a new version.

What a version says and where it sits (sheet, number, body, change note) is frozen. ``created_by``
may change (set to NULL when the author's account is deleted), and so may ``created_at``: Django's
serialised test rollback rewrites it with millisecond precision. Works on PostgreSQL and SQLite.
"""

from django.db import migrations

FROZEN = ("sheet_id", "number", "body", "change_note")

PG_FORWARD = """
CREATE OR REPLACE FUNCTION cases_reflexsheetversion_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'cases_reflexsheetversion is immutable: add a new version';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_reflexsheetversion_no_update BEFORE UPDATE ON cases_reflexsheetversion
  FOR EACH ROW WHEN ({changed})
  EXECUTE FUNCTION cases_reflexsheetversion_immutable();
""".format(changed=" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in FROZEN))

PG_BACKWARD = """
DROP TRIGGER IF EXISTS cases_reflexsheetversion_no_update ON cases_reflexsheetversion;
DROP FUNCTION IF EXISTS cases_reflexsheetversion_immutable();
"""

SQLITE_FORWARD = """
CREATE TRIGGER cases_reflexsheetversion_no_update BEFORE UPDATE ON cases_reflexsheetversion
  FOR EACH ROW WHEN {changed}
  BEGIN SELECT RAISE(ABORT, 'cases_reflexsheetversion is immutable: add a new version'); END;
""".format(changed=" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in FROZEN))

SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS cases_reflexsheetversion_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
