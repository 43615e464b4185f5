# The idempotency keys of the writes that add no row of their own: a case's actions, a quick alert's completion.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_message_idempotency"),
        ("declarations", "0004_completion_notification"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="KeyedAction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("idempotency_key", models.CharField(max_length=64, unique=True)),
                ("action", models.CharField(max_length=20, verbose_name="action")),
                (
                    "fingerprint",
                    models.CharField(help_text="Empreinte SHA-256 des paramètres de l'action.", max_length=64),
                ),
                ("created_at", models.DateTimeField(verbose_name="faite le")),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "declaration",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="declarations.declaration"
                    ),
                ),
            ],
            options={
                "verbose_name": "action sous clé d'idempotence",
                "verbose_name_plural": "actions sous clé d'idempotence",
            },
        ),
    ]
