from django.db import migrations


def load(apps, schema_editor):
    from acss.accounts.referential import load_organisations

    load_organisations(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial"), ("core", "0002_referential")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
