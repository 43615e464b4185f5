"""A table whose rows the database itself refuses to change (PostgreSQL): a trigger raising on UPDATE (and DELETE
when asked). Migrations build it with :func:`refuse_changes`; on other databases the services alone guard the rows.
"""

from __future__ import annotations

from django.db import migrations


def refuse_changes(*, table: str, function: str, trigger: str, message: str, delete: bool = False):
    """The migration operation that installs (and, backwards, removes) the refusing trigger on ``table``."""
    events = "UPDATE OR DELETE" if delete else "UPDATE"
    forward_sql = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{message}';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {trigger} BEFORE {events} ON {table}
  FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    backward_sql = f"""
DROP TRIGGER IF EXISTS {trigger} ON {table};
DROP FUNCTION IF EXISTS {function}();
"""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(forward_sql)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(backward_sql)

    return migrations.RunPython(forward, backward)
