from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from bench.baseline_site.app.models import Hit


class Command(BaseCommand):
    help = "Create (afresh), count or drop the baseline's table; the baseline uses no migrations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "count", "drop"])

    def handle(self, *args: Any, **options: Any) -> None:
        exists = Hit._meta.db_table in connection.introspection.table_names()
        if options["action"] == "count":
            self.stdout.write(str(Hit.objects.count() if exists else 0))
            return
        with connection.schema_editor() as editor:
            if exists:
                editor.delete_model(Hit)
            if options["action"] == "create":
                editor.create_model(Hit)
