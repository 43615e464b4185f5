"""The watch's scheduled import: ``veille_import_sources`` imports ``settings.ACSS_VEILLE_SOURCES``.

The scheduler (``manage.py acss_scheduler``) enqueues its tasks every minute; this one imports at most once every
``ACSS_VEILLE_IMPORT_HOURS`` hours (24 by default): it first *claims* its run — an ``ImportRun`` row, created
only when no run of the same sources started within that time — under a lock (PostgreSQL advisory lock; SQLite
takes its write lock at the start of the transaction), so that several schedulers and workers import once. A run
left unfinished for ``STALE_AFTER`` (a worker that died) no longer blocks the next one.

Sources are paths or http(s) URLs, for instance the KEV catalogue
(https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json), the EPSS scores
(https://epss.empiricalsecurity.com/epss_scores-current.csv.gz), a provider's ROLIE feed or provider-metadata.json,
a cvelistV5 checkout, the CERT-FR feeds. Put EPSS after the CVE records: it only updates CVEs already imported.
"""

from __future__ import annotations

import logging
import zlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from .models import ImportRun
from .services import veille_import

logger = logging.getLogger("acss.veille")

DEFAULT_HOURS = 24
STALE_AFTER = timedelta(hours=6)
LOCK_KEY = zlib.crc32(b"acss.veille.import")


def configured_sources() -> list[str]:
    return [str(s).strip() for s in getattr(settings, "ACSS_VEILLE_SOURCES", []) or [] if str(s).strip()]


def claim_run(sources: list[str], *, force: bool = False) -> ImportRun | None:
    """A new ``ImportRun`` for ``sources``, or None when one started less than ACSS_VEILLE_IMPORT_HOURS ago."""
    hours = float(getattr(settings, "ACSS_VEILLE_IMPORT_HOURS", DEFAULT_HOURS))
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if not force:
            recent = ImportRun.objects.filter(started_at__gt=now - timedelta(hours=hours)).values_list(
                "sources", "started_at", "finished_at"
            )
            for run_sources, started_at, finished_at in recent:
                if run_sources == sources and (finished_at is not None or started_at > now - STALE_AFTER):
                    return None
        return ImportRun.objects.create(started_at=now, sources=sources)


@task()
def veille_import_sources(*, force: bool = False) -> dict[str, Any]:
    """Import the configured sources if due (or ``force``); returns the counts (JSON) or why it did nothing."""
    sources = configured_sources()
    if not sources:
        return {"skipped": "ACSS_VEILLE_SOURCES est vide"}
    run = claim_run(sources, force=force)
    if run is None:
        return {"skipped": "déjà importé récemment"}
    report = veille_import(paths=sources, run=run)
    if report.invalid:
        logger.warning("veille : %d enregistrement(s) invalide(s), voir l'import n° %s", report.invalid, run.pk)
    return report.as_dict()


# For the scheduler (acss_scheduler): enqueued every tick, it imports when due.
SCHEDULED_TASKS = (veille_import_sources,)
