from django.db import migrations


def load(apps, schema_editor):
    from acss.core.referential import load_referential

    load_referential(apps)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
