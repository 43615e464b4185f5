"""Load the reflex sheets shipped in acss/reflexes/content/reflex_sheets/ as their version 1."""

from django.db import migrations


def load(apps, schema_editor):
    from acss.reflexes.content import load_reflex_sheets

    load_reflex_sheets(apps, label="cases")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_versions_immutable"), ("core", "0002_referential")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
