from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from acss.core.audit import audit_iter_verify
from acss.core.models import AuditEvent


class Command(BaseCommand):
    help = "Vérifie la chaîne d'audit et nomme le premier maillon rompu."

    def handle(self, *args, **options):
        total = AuditEvent.objects.count()
        report = None
        with Progress(transient=True, disable=not self.stdout.isatty()) as progress:
            bar = progress.add_task("Vérification de la chaîne d'audit", total=total)
            for checked, report in audit_iter_verify():
                progress.update(bar, completed=checked)
        assert report is not None
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Chaîne d'audit intègre : {report.checked} événements vérifiés."))
            return
        where = f"événement n° {report.broken_at}" if report.broken_at else "fin de chaîne"
        raise CommandError(
            f"Chaîne d'audit rompue au premier maillon {where} ({report.checked} événements "
            f"intègres avant lui) : {report.reason}."
        )
