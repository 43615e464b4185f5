from django.db import migrations, models


def load(apps, schema_editor):
    from acss.accounts.referential import load_oncall_deputies

    load_oncall_deputies(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_structure_article")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="oncall_deputy_email",
            field=models.EmailField(
                blank=True,
                help_text="Prévenue quand l'astreinte n'a pas accusé réception d'une alerte, après un rappel.",
                max_length=254,
                verbose_name="adresse du suppléant d'astreinte",
            ),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
