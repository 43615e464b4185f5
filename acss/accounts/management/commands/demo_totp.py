from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from acss.accounts.demo import demo_totp_code


class Command(BaseCommand):
    help = "Affiche le code TOTP courant d'un compte de démonstration (développement et démonstration uniquement)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--secret", action="store_true", help="Affiche la clé (base32) à saisir dans une application."
        )

    def handle(self, *args, email, secret=False, **options):
        if not (settings.DEBUG or settings.ACSS_DEMO):
            raise CommandError("Refus : réservé au développement et à la démonstration (DEBUG ou ACSS_DEMO activé).")
        email = email.strip().lower()
        if not TOTPDevice.objects.filter(user__email=email, confirmed=True).exists():
            raise CommandError(f"Aucun second facteur pour {email}.")
        if secret:
            from base64 import b32encode

            device = TOTPDevice.objects.get(user__email=email, confirmed=True)
            self.stdout.write(b32encode(device.bin_key).decode())
        else:
            self.stdout.write(demo_totp_code(email))
