"""Demo incidents: declarations of the demonstration's structures, in several regions and time zones, each with
its case; one situation update, one escalation; the ransomware's NIS 2 early warning, prepared from the declaration
and marked sent by the structure (its notification and final report still to do). Idempotent (a reference already
there is left alone).

Loaded by ``manage.py load_demo`` (``acss.portal.demo``) after the accounts of ``acss.accounts.demo``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from acss.accounts.models import Organisation, Structure, User
from acss.incidents.models import Declaration, Escalation, FilingStage, RegulatoryFiling, SituationUpdate
from acss.incidents.selectors.filings import filing_prefill
from acss.incidents.services.cases import case_open
from acss.incidents.services.declarations import structure_snapshot
from acss.incidents.services.filings import filing_mark_sent, filing_save

# reference, structure key, author e-mail, submitted (Paris), fields
DEMO_DECLARATIONS = [
    (
        "ACSS-2026-000001",
        "chu-paris",
        "directeur@chu-paris.demo.example.fr",
        (2026, 11, 16, 9, 40),
        {
            "title": "Messagerie compromise : envoi massif d'hameçonnage",
            "description": "Le compte d'une secrétaire médicale a envoyé 4 000 courriels d'hameçonnage à des "
            "correspondants. Mot de passe changé, sessions révoquées.",
            "discovered_at": (2026, 11, 16, 8, 50),
            "scope": "one_site",
            "handling_state": "contained",
            "functioning": "normal",
            "patient_safety": "none",
            "origin": "malicious",
            "category_id": "hameconnage",
            "vector_id": "compte-compromis",
            "confidentiality_loss": True,
            "systems": ["messagerie"],
        },
    ),
    (
        "ACSS-2026-000002",
        "hus-strasbourg",
        "declarant@strasbourg.demo.example.fr",
        (2026, 11, 18, 14, 5),
        {
            "title": "Indisponibilité du PACS après une mise à jour",
            "description": "Après la mise à jour de l'éditeur, les images ne s'affichent plus dans les services.",
            "discovered_at": (2026, 11, 18, 13, 30),
            "scope": "one_site",
            "handling_state": "ongoing",
            "functioning": "degraded",
            "patient_safety": "potential",
            "origin": "non_malicious",
            "category_id": "dysfonctionnement-applicatif",
            "vector_id": "defaillance-prestataire",
            "provider_name": "Éditeur PACS",
            "unavailability": True,
            "systems": ["imagerie-pacs"],
        },
    ),
    (
        "ACSS-2026-000003",
        "chu-paris",
        "directeur@chu-paris.demo.example.fr",
        (2026, 11, 20, 3, 10),
        {
            "title": "Rançongiciel : écrans bloqués aux urgences",
            "description": "Vers 3 h, les postes des urgences et de l'imagerie affichent une demande de rançon. "
            "Serveurs isolés du réseau, procédures dégradées papier activées.",
            "occurred_at": (2026, 11, 20, 2, 40),
            "discovered_at": (2026, 11, 20, 3, 0),
            "scope": "one_site",
            "handling_state": "ongoing",
            "functioning": "degraded",
            "degraded_hours": 24,
            "patient_safety": "potential",
            "patients_count": 300,
            "origin": "malicious",
            "category_id": "rancongiciel",
            "vector_id": "courriel-malveillant",
            "unavailability": True,
            "integrity_loss": True,
            "accompaniment_requested": True,
            "measures_taken": "Isolement des serveurs, mode dégradé.",
            "systems": ["imagerie-pacs", "annuaire", "dossier-patient"],
            "data_categories": ["sante"],
        },
    ),
    (
        "ACSS-2026-000004",
        "clinique-reunion",
        "declarant@reunion.demo.example.fr",
        (2026, 11, 21, 1, 15),
        {
            "alert_summary": "Plus de téléphonie ni d'accès internet depuis 4 h du matin",
            "alert_care_impact": "degraded",
            "alert_since": (2026, 11, 21, 0, 50),
            "callback_phone": "+262 262 00 00 00",
            "complete": False,
        },
    ),
]


@transaction.atomic
def load_demo_declarations(*, structures: dict[str, Structure], analyst: User) -> None:
    """The declarations of the demonstration, each with its case, a situation update and an escalation;
    ``structures`` by their demo key (``acss.accounts.demo.STRUCTURES``)."""
    paris = ZoneInfo("Europe/Paris")

    def at(parts):
        return datetime(*parts, tzinfo=paris)

    for reference, key, author_email, submitted, fields in DEMO_DECLARATIONS:
        if Declaration.objects.filter(reference=reference).exists():
            continue
        fields = dict(fields)
        systems, data = fields.pop("systems", []), fields.pop("data_categories", [])
        complete = fields.pop("complete", True)
        for name in ("discovered_at", "occurred_at", "alert_since"):
            if name in fields:
                fields[name] = at(fields[name])
        author = User.objects.get(email=author_email)
        structure = structures[key]
        declaration = Declaration.objects.create(
            reference=reference,
            structure=structure,
            created_by=author,
            submitted_at=at(submitted),
            completed_at=at(submitted) if complete else None,
            structure_snapshot=structure_snapshot(structure),
            declarant_name=author.display_name,
            declarant_function=author.job_title,
            declarant_email=author.email,
            declarant_phone=author.phone,
            **fields,
        )
        declaration.systems.set(systems)
        declaration.data_categories.set(data)
        case_open(declaration=declaration)
    SituationUpdate.objects.get_or_create(
        declaration=Declaration.objects.get(reference="ACSS-2026-000002"),
        situation="degraded",
        defaults={
            "effective_at": at((2026, 11, 18, 14, 0)),
            "author": User.objects.get(email="declarant@strasbourg.demo.example.fr"),
            "created_at": at((2026, 11, 18, 14, 10)),
            "note": "Comptes rendus d'imagerie sur papier.",
        },
    )
    Escalation.objects.get_or_create(
        declaration=Declaration.objects.get(reference="ACSS-2026-000001"),
        authority=Organisation.objects.get(authority_code="anssi"),
        defaults={
            "reason": "Structure OSE (démonstration).",
            "decided_by": analyst,
            "decided_at": at((2026, 11, 16, 11, 0)),
        },
    )
    load_demo_filings(at=at)


RANSOMWARE_REFERENCE = "ACSS-2026-000003"


def load_demo_filings(*, at) -> None:
    """The ransomware of the demonstration (a NIS 2 essential entity): its early warning, prefilled from the
    declaration, saved and sent by the director the morning after; the notification and final report wait."""
    declaration = Declaration.objects.get(reference=RANSOMWARE_REFERENCE)
    if RegulatoryFiling.objects.filter(declaration=declaration, stage=FilingStage.EARLY_WARNING).exists():
        return
    director = User.objects.get(email="directeur@chu-paris.demo.example.fr")
    content = filing_prefill(declaration=declaration, stage=FilingStage.EARLY_WARNING)
    filing_save(declaration=declaration, stage=FilingStage.EARLY_WARNING, by=director, content=content)
    filing_mark_sent(
        declaration=declaration, stage=FilingStage.EARLY_WARNING, by=director, sent_at=at((2026, 11, 20, 14, 30))
    )
