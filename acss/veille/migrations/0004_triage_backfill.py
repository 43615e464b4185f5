"""Every record matched before the triage queue existed gets its ``Triage`` row (« nouveau »), set-based."""

from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    Match = apps.get_model("veille", "Match")
    Triage = apps.get_model("veille", "Triage")
    now = timezone.now()
    for field_name in ("vulnerability_id", "advisory_id"):
        matched = set(
            Match.objects.filter(**{f"{field_name}__isnull": False}).values_list(field_name, flat=True).distinct()
        )
        existing = set(Triage.objects.filter(**{f"{field_name}__isnull": False}).values_list(field_name, flat=True))
        Triage.objects.bulk_create(
            [Triage(**{field_name: pk}, created_at=now) for pk in sorted(matched - existing)],
            batch_size=1000,
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("veille", "0003_triage")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
