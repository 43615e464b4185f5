"""The four plan templates of the first version: ransomware, compromised mailbox, edge device, data leak."""

from django.db import migrations

TEMPLATES = [
    (
        "rancongiciel",
        "Rançongiciel",
        "rancongiciel",
        [
            ("Isoler du réseau les postes et serveurs chiffrés, sans les éteindre", 0),
            ("Couper les accès distants (VPN, bureau à distance, prestataires) jusqu'à nouvel ordre", 0),
            ("Déposer plainte et conserver la note de rançon, sans contacter l'attaquant", 1),
            ("Vérifier l'intégrité des sauvegardes hors ligne et les mettre à l'abri", 2),
            ("Réinitialiser les mots de passe des comptes d'administration et du compte krbtgt (deux fois)", 3),
            ("Identifier le vecteur d'entrée et le patient zéro avec le prestataire de réponse à incident", 7),
            ("Reconstruire les serveurs critiques depuis des images saines, par ordre de priorité métier", 14),
            ("Déployer un EDR sur l'ensemble des postes et serveurs reconstruits", 21),
            ("Mettre en place l'authentification multifacteur sur les accès distants et d'administration", 30),
            ("Tester la restauration complète d'une application critique et documenter le plan de reprise", 60),
        ],
    ),
    (
        "compromission-messagerie",
        "Compromission de messagerie",
        "compromission-compte",
        [
            ("Réinitialiser le mot de passe des boîtes compromises et révoquer leurs sessions actives", 0),
            ("Supprimer les règles de transfert et de redirection créées par l'attaquant", 1),
            ("Prévenir les correspondants ayant reçu des messages frauduleux depuis les boîtes compromises", 2),
            ("Rechercher dans les journaux de connexion les autres comptes touchés (mêmes adresses IP)", 3),
            ("Purger les messages d'hameçonnage encore présents dans les boîtes de l'établissement", 3),
            ("Activer l'authentification multifacteur pour tous les accès à la messagerie depuis Internet", 14),
            ("Vérifier et renforcer SPF, DKIM et DMARC sur les domaines de l'établissement", 30),
            ("Sensibiliser le personnel à l'hameçonnage avec un exercice ciblé", 60),
        ],
    ),
    (
        "equipement-bordure",
        "Équipement de bordure (VPN, pare-feu)",
        "exploitation-vulnerabilite",
        [
            ("Appliquer le correctif de l'éditeur ou, à défaut, fermer l'interface exposée", 0),
            ("Sauvegarder la configuration et les journaux de l'équipement avant toute réinstallation", 1),
            ("Rechercher les indicateurs de compromission publiés par l'éditeur et l'ANSSI", 2),
            ("Réinitialiser tous les comptes et secrets stockés sur l'équipement (comptes locaux, LDAP, certificats)", 3),
            ("Réinstaller l'équipement depuis une image saine si une compromission est confirmée", 7),
            ("Rechercher des mouvements latéraux depuis l'équipement vers le réseau interne", 7),
            ("Retirer l'interface d'administration de l'exposition à Internet", 14),
            ("Abonner l'équipe à la veille de l'éditeur et inscrire l'équipement à l'inventaire surveillé", 30),
        ],
    ),
    (
        "fuite-donnees",
        "Fuite de données",
        "fuite-donnees",
        [
            ("Identifier la source de la fuite et la fermer (partage, compte, serveur exposé)", 0),
            ("Établir la liste des données et des personnes concernées", 3),
            ("Notifier la CNIL dans les 72 heures si la violation présente un risque", 3),
            ("Informer les patients et personnels concernés lorsque le risque est élevé", 7),
            ("Déposer plainte et signaler les publications de données aux plateformes", 7),
            ("Surveiller la réapparition des données sur les sites de publication", 14),
            ("Revoir les droits d'accès aux dossiers et partages contenant des données de santé", 30),
        ],
    ),
]


def seed(apps, schema_editor):
    PlanTemplate = apps.get_model("accompaniment", "PlanTemplate")
    Version = apps.get_model("accompaniment", "PlanTemplateVersion")
    Action = apps.get_model("accompaniment", "PlanTemplateAction")
    Category = apps.get_model("core", "IncidentCategory")
    for slug, title, category, actions in TEMPLATES:
        template = PlanTemplate.objects.create(
            slug=slug, title=title, category=Category.objects.filter(code=category).first()
        )
        version = Version.objects.create(template=template, number=1, change_note="Version initiale")
        Action.objects.bulk_create(
            Action(version=version, position=i, title=t, due_offset_days=days)
            for i, (t, days) in enumerate(actions, start=1)
        )


def unseed(apps, schema_editor):
    apps.get_model("accompaniment", "PlanTemplateAction").objects.all().delete()
    apps.get_model("accompaniment", "PlanTemplateVersion").objects.all().delete()
    apps.get_model("accompaniment", "PlanTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accompaniment", "0001_initial"), ("core", "0002_referential")]
    operations = [migrations.RunPython(seed, unseed)]
