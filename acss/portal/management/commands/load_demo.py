from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from acss.portal.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent) et affiche les identifiants."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Autorise le chargement hors développement et hors démonstration."
        )

    def handle(self, *args, force=False, **options):
        if not (settings.DEBUG or settings.ACSS_DEMO or force):
            raise CommandError(
                "Refus : ni DEBUG ni ACSS_DEMO ne sont activés (données de démonstration). Utilisez --force."
            )
        logins = load_demo()
        out = self.stdout
        out.write(self.style.SUCCESS("Données de démonstration chargées."))
        out.write(
            f"\nConnexion : {settings.SITE_URL}/compte/connexion/  — mot de passe de tous les comptes : "
            f"{DEMO_PASSWORD}\n"
        )
        width = max(len(login.email) for login in logins)
        for login in logins:
            mfa = "  [second facteur]" if login.totp_secret else ""
            out.write(f"  {login.email:<{width}}  {login.role} — {login.organisations}{mfa}")
        out.write(
            "\nSecond facteur (comptes marqués) : le code à 6 chiffres s'obtient avec\n"
            "  .venv/bin/python manage.py demo_totp ADRESSE\n"
            "ou dans une application d'authentification avec la clé : "
            "  .venv/bin/python manage.py demo_totp ADRESSE --secret\n"
        )
