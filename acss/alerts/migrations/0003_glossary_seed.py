"""The glossary's first terms: jargon of security alerts and the plainer French the cell prefers in « En bref »,
« Qui est concerné ? » and « Que faire ? ». Edited afterwards in the admin; terms already there are kept."""

from django.db import migrations

TERMS = [
    ("CVE", "vulnérabilité référencée (numéro CVE)", "Garder le numéro dans les détails techniques."),
    ("exploit", "attaque qui utilise la faille", ""),
    ("exploitée", "utilisée par des attaquants", ""),
    ("RCE", "prise de contrôle à distance", "Remote Code Execution."),
    ("exécution de code arbitraire", "prise de contrôle de l'appareil", ""),
    ("patch", "correctif", ""),
    ("patcher", "appliquer le correctif", ""),
    ("firmware", "micrologiciel", ""),
    ("vulnérabilité zero-day", "faille encore sans correctif", ""),
    ("zero-day", "faille encore sans correctif", ""),
    ("0-day", "faille encore sans correctif", ""),
    ("CVSS", "gravité", "Le score reste dans les détails techniques."),
    ("EPSS", "probabilité d'attaque", ""),
    ("KEV", "liste des failles déjà utilisées par des attaquants", ""),
    ("ransomware", "rançongiciel", ""),
    ("malware", "logiciel malveillant", ""),
    ("phishing", "hameçonnage", ""),
    ("workaround", "solution de contournement", ""),
    ("mitigation", "mesure de protection", ""),
    ("bypass", "contournement", ""),
    ("authentification", "identification (mot de passe, code)", ""),
    ("escalade de privilèges", "obtention de droits d'administrateur", ""),
    ("déni de service", "blocage du service", ""),
    ("DoS", "blocage du service", ""),
    ("injection SQL", "attaque par la base de données", ""),
    ("XSS", "attaque par une page web piégée", "Cross-Site Scripting."),
    ("CPE", "référence du produit", ""),
    ("VPN", "accès à distance sécurisé", ""),
    ("endpoint", "poste de travail", ""),
    ("upgrade", "mise à jour", ""),
]


def seed(apps, schema_editor):
    GlossaryTerm = apps.get_model("alerts", "GlossaryTerm")
    existing = set(GlossaryTerm.objects.values_list("term", flat=True))
    GlossaryTerm.objects.bulk_create([GlossaryTerm(term=t, plain=p, note=n) for t, p, n in TERMS if t not in existing])


def unseed(apps, schema_editor):
    apps.get_model("alerts", "GlossaryTerm").objects.filter(term__in=[t for t, _p, _n in TERMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0002_editorial_pending")]

    operations = [migrations.RunPython(seed, unseed)]
