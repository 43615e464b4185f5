"""The demonstration's data, layer by layer: accounts (structures, people, second factors), incidents, the watch.

Idempotent: running it twice changes nothing. ``manage.py load_demo`` refuses unless DEBUG or ACSS_DEMO is on, or
``--force`` is given.
"""

from __future__ import annotations

from django.db import transaction

from acss.accounts.demo import DEMO_PASSWORD, DemoLogin, load_demo_accounts
from acss.incidents.services.demo import load_demo_declarations
from acss.veille.demo import load_demo_watch

__all__ = ["DEMO_PASSWORD", "load_demo"]


@transaction.atomic
def load_demo() -> list[DemoLogin]:
    accounts = load_demo_accounts()
    load_demo_declarations(structures=accounts.structures, analyst=accounts.analyst)
    load_demo_watch()
    return accounts.logins
