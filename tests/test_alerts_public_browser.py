"""The public space of the watch in Debian's Chromium: the alerts' list, an alert's page (with its Markdown), a
withdrawn alert, the news and the daily bulletin, each checked like the pages of test_browser (strict CSP, no
inline code, the DSFR running, no serious or critical axe-core violation).

Run alone: ``python -m pytest -m browser tests/test_alerts_public_browser.py``. Needs the Debian package
``chromium``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps

# The fixtures and the page check of the browser smoke test, shared rather than copied.
from .test_browser import _async_unsafe_allowed, axe, browser, check_page, site, tab  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, available_apps=[app.name for app in django_apps.get_app_configs()]),
]

PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2026, 11, 20, 10, 0, tzinfo=PARIS)


@pytest.fixture
def alerts(site):  # noqa: F811
    from acss.accounts.models import User
    from acss.alerts.models import Alert, AlertRevision, AlertState, Severity
    from acss.veille.models import NewsItem

    by = User.objects.create_user(email="redaction@acss.test", password="x-long-password-1")
    made = []
    for n, (state, severity, exploited) in enumerate(
        [
            (AlertState.PUBLISHED, Severity.CRITICAL, True),
            (AlertState.PUBLISHED, Severity.MEDIUM, False),
            (AlertState.WITHDRAWN, Severity.LOW, False),
        ],
        start=1,
    ):
        alert = Alert.objects.create(
            reference=f"ACSS-ALE-2026-{n:04d}",
            state=state,
            title=f"Vulnérabilité dans un logiciel de santé {n}",
            severity=severity,
            cvss_score="8.1",
            exploited=exploited,
            products=[{"vendor": "Philips", "product": "IntelliSpace", "versions": "4.1, < 4.2"}],
            cves=[f"CVE-2026-{1000 + n}"],
            summary="Une faille permet de prendre la main à distance.",
            who="Les établissements qui utilisent ce logiciel.",
            actions="Appliquer la mise à jour de l'éditeur.",
            technical="## Détail\n\nUn *débordement* de tampon.\n\n| Version | Corrigée |\n|---|---|\n| 4.1 | non |",
            references=[{"url": "https://example.org/avis", "title": "Avis de l'éditeur"}],
            published_at=AT,
            created_by=by,
            withdrawn_at=AT + timedelta(days=2) if state == AlertState.WITHDRAWN else None,
            withdrawn_reason="Faux positif." if state == AlertState.WITHDRAWN else "",
        )
        AlertRevision.objects.create(alert=alert, number=1, published_at=AT, change_note="Publication.", by=by)
        AlertRevision.objects.create(
            alert=alert, number=2, published_at=AT + timedelta(days=1), change_note="Correctif disponible.", by=by
        )
        made.append(alert)
    NewsItem.objects.create(
        feed="CERT-FR",
        guid="n1",
        title="Avis du CERT-FR",
        link="https://example.org/n1",
        summary="Résumé.",
        published=AT,
    )
    return made


def test_public_pages_of_the_watch(alerts, tab, axe, subtests):  # noqa: F811
    paths = [
        "/alertes/",
        "/alertes/?q=philips&severity=critique&exploited=oui",
        "/alertes/?published_from=pas-une-date",
        f"/alertes/{alerts[0].reference}/",
        f"/alertes/{alerts[2].reference}/",
        "/actualites/",
        "/bulletin/2026-11-20/",
        "/bulletin/2026-11-19/",
        "/bulletin/",
    ]
    for path in paths:
        with subtests.test(path):
            check_page(tab, axe, path)
