from django.db import migrations


def create_cases(apps, schema_editor):
    from acss.incidents.rules import provisional_criticity

    Declaration = apps.get_model("declarations", "Declaration")
    Case = apps.get_model("cases", "Case")
    for declaration in Declaration.objects.filter(case__isnull=True):
        Case.objects.create(declaration=declaration, opened_at=declaration.submitted_at,
                            provisional_criticity=provisional_criticity(declaration))


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_handling"), ("declarations", "0002_intake")]

    operations = [migrations.RunPython(create_cases, migrations.RunPython.noop)]
