"""The demonstration's provider incident: a ransomware at the software provider « Médisoft SAS » reaching five
declarations of four structures in three regions (Île-de-France, Grand Est, Occitanie). Idempotent (a reference
already there is left alone; the parent is opened once).

Not wired into the portal's demo loader yet: call ``load_demo_providers(structures=…, analyst=…)`` after
``acss.incidents.services.demo.load_demo_declarations`` (same arguments)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from acss.accounts.models import Structure, User
from acss.incidents.models import Declaration
from acss.incidents.services.cases import case_open
from acss.incidents.services.declarations import structure_snapshot

from .models import ProviderIncident
from .services import provider_incident_open, provider_link

TITLE = "Rançongiciel chez l'éditeur Médisoft"
SUMMARY = (
    "L'éditeur Médisoft a subi un rançongiciel sur sa plateforme hébergée. Il a coupé les accès distants de ses "
    "clients ; aucun indice de propagation vers les établissements à ce stade. Ne rétablissez pas l'accès VPN de "
    "l'éditeur avant le feu vert de la cellule."
)
# reference, structure key, how the provider was named, submitted (Paris)
VICTIMS = [
    ("ACSS-2026-000901", "chu-paris", "Médisoft SAS", (2026, 11, 23, 8, 15)),
    ("ACSS-2026-000902", "ch-meaux", "MEDISOFT", (2026, 11, 23, 9, 40)),
    ("ACSS-2026-000903", "hus-strasbourg", "Medisoft", (2026, 11, 23, 11, 5)),
    ("ACSS-2026-000904", "hus-strasbourg", "medisoft sas", (2026, 11, 24, 7, 30)),
    ("ACSS-2026-000905", "ehpad-toulouse", "Médisoft", (2026, 11, 24, 10, 0)),
]


@transaction.atomic
def load_demo_providers(*, structures: dict[str, Structure], analyst: User) -> ProviderIncident:
    paris = ZoneInfo("Europe/Paris")
    declarations = []
    for reference, key, provider, submitted in VICTIMS:
        declaration = Declaration.objects.filter(reference=reference).first()
        if declaration is None:
            structure = structures[key]
            at = datetime(*submitted, tzinfo=paris)
            author = User.objects.filter(memberships__organisation=structure).order_by("pk").first() or analyst
            declaration = Declaration.objects.create(
                reference=reference,
                structure=structure,
                created_by=author,
                submitted_at=at,
                completed_at=at,
                structure_snapshot=structure_snapshot(structure),
                declarant_name=author.display_name,
                declarant_email=author.email,
                title="Accès distants de l'éditeur Médisoft coupés",
                description="L'éditeur du logiciel de gestion des rendez-vous annonce un rançongiciel ; ses accès "
                "distants sont coupés, le logiciel fonctionne en mode local.",
                scope="shared_provider",
                provider_name=provider,
                origin="malicious",
            )
            case_open(declaration=declaration)
        declarations.append(declaration)
    parent = ProviderIncident.objects.filter(title=TITLE).first()
    if parent is None:
        parent = provider_incident_open(
            by=analyst, provider_name="Médisoft", title=TITLE, public_summary=SUMMARY, share_victim_count=True
        )
    provider_link(by=analyst, parent=parent, declarations=declarations)
    return parent
