"""The demonstration's provider incident: a ransomware at the software provider « Médisoft SAS » reaching five
declarations of four structures in three regions (Île-de-France, Grand Est, Occitanie). Idempotent (each first
alert has its idempotency key; the parent is opened once). The portal's demo loader calls it after the
declarations."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from acss.accounts.models import Structure, User
from acss.incidents.services.declarations import quick_alert_submit

from .models import ProviderIncident
from .services import provider_incident_open, provider_link

TITLE = "Rançongiciel chez l'éditeur Médisoft"
SUMMARY = (
    "L'éditeur Médisoft a subi un rançongiciel sur sa plateforme hébergée. Il a coupé les accès distants de ses "
    "clients ; aucun indice de propagation vers les établissements à ce stade. Ne rétablissez pas l'accès VPN de "
    "l'éditeur avant le feu vert de la cellule."
)
# structure key, what the structure says, since (Paris)
VICTIMS = [
    ("chu-paris", "Accès distants de l'éditeur Médisoft coupés, rendez-vous en mode local.", (2026, 11, 23, 8, 15)),
    ("ch-meaux", "Le logiciel de rendez-vous de Médisoft ne répond plus.", (2026, 11, 23, 9, 40)),
    ("hus-strasbourg", "Médisoft nous demande de couper son VPN.", (2026, 11, 23, 11, 5)),
    ("hus-strasbourg", "Second site : agenda Médisoft indisponible.", (2026, 11, 24, 7, 30)),
    ("ehpad-toulouse", "Plus d'accès au planning hébergé chez Médisoft.", (2026, 11, 24, 10, 0)),
]


@transaction.atomic
def load_demo_providers(*, structures: dict[str, Structure], analyst: User) -> ProviderIncident:
    """Five first alerts recorded by the cell on behalf of the structures (the core's ``quick_alert_submit``,
    once each thanks to its idempotency key), one provider's incident opened and the five linked."""
    paris = ZoneInfo("Europe/Paris")
    declarations = []
    for number, (key, summary, since) in enumerate(VICTIMS, start=1):
        written = quick_alert_submit(
            by=analyst,
            structure=structures[key],
            summary=summary,
            since=datetime(*since, tzinfo=paris),
            care_impact="degraded",
            phone="01 00 00 00 00",
            is_major=False,
            on_behalf=True,
            idempotency_key=f"demo-provider-{number}",
        )
        declarations.append(written.row)
    parent = ProviderIncident.objects.filter(title=TITLE).first()
    if parent is None:
        parent = provider_incident_open(
            by=analyst, provider_name="Médisoft", title=TITLE, public_summary=SUMMARY, share_victim_count=True
        )
    provider_link(by=analyst, parent=parent, declarations=declarations)
    return parent
