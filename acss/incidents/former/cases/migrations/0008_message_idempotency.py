# A message sent again with the same idempotency key (a retry, a double click) is one message.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_criticity_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="idempotency_key",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
    ]
