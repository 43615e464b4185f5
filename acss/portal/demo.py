"""The demonstration's data, layer by layer: accounts (structures, people, second factors), incidents, the watch,
the published watch (an inventory, a subscriber, a published alert).

Idempotent: running it twice changes nothing. ``manage.py load_demo`` refuses unless DEBUG or ACSS_DEMO is on, or
``--force`` is given.
"""

from __future__ import annotations

from django.db import transaction

from acss.accounts.demo import DEMO_PASSWORD, DemoLogin, load_demo_accounts
from acss.accounts.models import User
from acss.alerts.demo import load_demo_alerts
from acss.incidents.services.demo import load_demo_declarations
from acss.observatory.demo import load_demo_observatory
from acss.providers.demo import load_demo_providers
from acss.veille.demo import load_demo_watch

__all__ = ["DEMO_PASSWORD", "load_demo"]


@transaction.atomic
def load_demo() -> list[DemoLogin]:
    accounts = load_demo_accounts()
    load_demo_declarations(structures=accounts.structures, analyst=accounts.analyst)
    load_demo_providers(structures=accounts.structures, analyst=accounts.analyst)
    load_demo_watch()
    load_demo_alerts(
        structure=accounts.structures["chu-paris"],
        manager=User.objects.get(email="directeur@chu-paris.demo.example.fr"),
        analyst=accounts.analyst,
        second_analyst=accounts.second_analyst,
    )
    load_demo_observatory(analyst=accounts.analyst)
    return accounts.logins
