import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import acss.incidents.models


def fill_message_ids(apps, schema_editor):
    """Existing notifications get their own Message-ID; those left "sending" keep no claim time and stay for a person."""
    Notification = apps.get_model("declarations", "Notification")
    for notification in Notification.objects.filter(message_id__isnull=True).only("pk").iterator():
        Notification.objects.filter(pk=notification.pk).update(message_id=acss.incidents.models.new_message_id())


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0002_intake"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="notification", name="one_notification_per_recipient"),
        migrations.AddField(
            model_name="notification",
            name="message_id",
            field=models.CharField(editable=False, max_length=255, null=True, verbose_name="Message-ID"),
        ),
        migrations.RunPython(fill_message_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notification",
            name="message_id",
            field=models.CharField(
                default=acss.incidents.models.new_message_id,
                editable=False,
                max_length=255,
                unique=True,
                verbose_name="Message-ID",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="original",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="escalations",
                to="declarations.notification",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="step",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "alerte"), (1, "rappel"), (2, "suppléant")], default=0, verbose_name="étape"
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="acknowledged_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="acquittée le"),
        ),
        migrations.AddField(
            model_name="notification",
            name="acknowledged_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="acknowledged_by_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="acquittée par"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "À envoyer"),
                    ("sending", "En cours d'envoi"),
                    ("sent", "Envoyée"),
                    ("failed", "Échec définitif"),
                    ("cancelled", "Annulée (alerte acquittée)"),
                ],
                default="pending",
                max_length=10,
                verbose_name="état",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["state", "claimed_at"], name="notification_state_claimed"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["kind", "created_at"], name="notification_kind_created"),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("original__isnull", True)),
                fields=("declaration", "kind", "recipient"),
                name="one_notification_per_recipient",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("original__isnull", False)),
                fields=("original", "step"),
                name="one_notification_per_step",
            ),
        ),
    ]
