from django.db import migrations


def load(apps, schema_editor):
    from acss.veille.watchlist import load_watchlist

    load_watchlist(apps)


class Migration(migrations.Migration):
    dependencies = [("veille", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
