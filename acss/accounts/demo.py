"""Demo data: structures in several regions, people of every role, staff enrolled in TOTP.

Idempotent: running it twice changes nothing. Never run in production (the command refuses
unless DEBUG or ACSS_DEMO is on, or --force is given).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from acss.core.finess import luhn_valid
from acss.core.models import Departement, StructureType
from acss.declarations.models import Declaration, Escalation

from .models import Membership, Organisation, OrganisationKind, Role, Structure, User, VerificationStatus

DEMO_PASSWORD = "Demo-ACSS-2026"


def with_luhn(prefix8: str) -> str:
    """Complete an 8-character all-digit prefix with its Luhn key."""
    for key in "0123456789":
        if luhn_valid(prefix8 + key):
            return prefix8 + key
    raise ValueError(prefix8)


# name, FINESS EJ prefix, FINESS ET prefix (or full for Corsica), type, département, OSE, NIS2, size
STRUCTURES = [
    (
        "chu-paris",
        "Centre hospitalier universitaire Démo Paris",
        "75000001",
        "75000002",
        "es-public",
        "75",
        True,
        "essential",
        "large",
    ),
    (
        "ch-meaux",
        "Centre hospitalier Démo Meaux",
        "77000001",
        "77000002",
        "es-public",
        "77",
        False,
        "important",
        "large",
    ),
    (
        "hus-strasbourg",
        "Hôpitaux Démo de Strasbourg",
        "67000001",
        "67000002",
        "es-public",
        "67",
        True,
        "essential",
        "large",
    ),
    (
        "clinique-reunion",
        "Clinique Démo de Saint-Denis",
        "97400001",
        "97400002",
        "es-prive",
        "974",
        False,
        "important",
        "medium",
    ),
    (
        "ehpad-toulouse",
        "EHPAD Démo Les Tilleuls",
        "31000001",
        "31000002",
        "medico-social",
        "31",
        False,
        "none",
        "small",
    ),
    ("lbm-ajaccio", "Laboratoire Démo d'Ajaccio", "2A0000001", "2A0000002", "lbm", "2A", False, "none", "small"),
]


@dataclass
class DemoLogin:
    email: str
    role: str
    organisations: str
    totp_secret: str | None = None


def _finess(prefix: str) -> str:
    return prefix if len(prefix) == 9 else with_luhn(prefix)


def _totp_key(email: str) -> str:
    """A stable key per demo account, so that README instructions stay true across reloads."""
    return hashlib.sha256(f"acss-demo-totp:{email}".encode()).hexdigest()[:40]


def demo_totp_code(email: str) -> str:
    device = TOTPDevice.objects.get(user__email=email, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _user(email: str, first: str, last: str, job: str, *, superuser: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, first_name=first, last_name=last, job_title=job, phone="+33 1 00 00 00 00")
        user.set_password(DEMO_PASSWORD)
        user.is_superuser = user.is_staff = superuser
        user.save()
    return user


def _enrol(user: User) -> str:
    from base64 import b32encode

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="Démo", defaults={"key": _totp_key(user.email), "confirmed": True}
    )
    return b32encode(device.bin_key).decode()


def _member(user: User, org: Organisation, role: str) -> None:
    Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": role})


@transaction.atomic
def load_demo() -> list[DemoLogin]:
    structures: dict[str, Structure] = {}
    for key, name, ej, et, stype, dep, ose, nis2, size in STRUCTURES:
        finess_et = _finess(et)
        structure = Structure.objects.filter(finess_et=finess_et).first()
        if structure is None:
            structure = Structure.objects.create(
                kind=OrganisationKind.STRUCTURE,
                name=name,
                email=f"secretariat@{key}.demo.example.fr",
                finess_ej=_finess(ej),
                finess_et=finess_et,
                structure_type=StructureType.objects.get(code=stype),
                departement=Departement.objects.get(code=dep),
                is_ose=ose,
                nis2=nis2,
                size=size,
                verification=VerificationStatus.VERIFIED,
            )
        structures[key] = structure

    logins: list[DemoLogin] = []

    def add(email, first, last, job, memberships, *, staff=False, superuser=False):
        user = _user(email, first, last, job, superuser=superuser)
        for org, role in memberships:
            _member(user, org, role)
        secret = _enrol(user) if staff or superuser else None
        orgs = ", ".join(org.name for org, _ in memberships) or "administration technique"
        logins.append(
            DemoLogin(email, ", ".join(str(Role(r).label) for _, r in memberships) or "superutilisateur", orgs, secret)
        )
        return user

    s = structures
    add("directeur@chu-paris.demo.example.fr", "Claire", "Martin", "Directrice", [(s["chu-paris"], Role.MANAGER)])
    add(
        "declarant@chu-paris.demo.example.fr",
        "Karim",
        "Benali",
        "Responsable informatique",
        [(s["chu-paris"], Role.DECLARANT)],
    )
    add(
        "rssi@ght-demo.example.fr",
        "Sophie",
        "Leroy",
        "RSSI du GHT",
        [(s["ch-meaux"], Role.MANAGER), (s["chu-paris"], Role.DECLARANT)],
    )
    add("declarant@strasbourg.demo.example.fr", "Lukas", "Muller", "RSSI", [(s["hus-strasbourg"], Role.MANAGER)])
    add("declarant@reunion.demo.example.fr", "Aline", "Payet", "Directrice", [(s["clinique-reunion"], Role.MANAGER)])
    add("directrice@ehpad.demo.example.fr", "Monique", "Garcia", "Directrice", [(s["ehpad-toulouse"], Role.MANAGER)])
    add(
        "biologiste@ajaccio.demo.example.fr",
        "Paul",
        "Santoni",
        "Biologiste responsable",
        [(s["lbm-ajaccio"], Role.MANAGER)],
    )
    acss = Organisation.objects.get(kind=OrganisationKind.ACSS)
    analyst = add("analyste@acss.demo.example.fr", "Nadia", "Rousseau", "Analyste", [(acss, Role.ANALYST)], staff=True)
    add(
        "ars-idf@ars.demo.example.fr",
        "Julien",
        "Petit",
        "Référent sécurité",
        [(Organisation.objects.get(kind=OrganisationKind.ARS, region_id="11"), Role.AGENT)],
        staff=True,
    )
    add(
        "ars-grand-est@ars.demo.example.fr",
        "Camille",
        "Schmitt",
        "Référente sécurité",
        [(Organisation.objects.get(kind=OrganisationKind.ARS, region_id="44"), Role.AGENT)],
        staff=True,
    )
    add(
        "ars-occitanie@ars.demo.example.fr",
        "Thomas",
        "Roux",
        "Référent sécurité",
        [(Organisation.objects.get(kind=OrganisationKind.ARS, region_id="76"), Role.AGENT)],
        staff=True,
    )
    for code, first, last in (
        ("fssi", "Hélène", "Girard"),
        ("dgs", "Marc", "Blanc"),
        ("anssi", "Inès", "Faure"),
        ("ansm", "Luc", "Chevalier"),
    ):
        add(
            f"{code}@autorites.demo.example.fr",
            first,
            last,
            "Officier de permanence",
            [(Organisation.objects.get(authority_code=code), Role.AGENT)],
            staff=True,
        )
    add("admin@acss.demo.example.fr", "Admin", "Technique", "Exploitation", [], superuser=True)

    _demo_declarations(structures, analyst)
    return logins


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


def _demo_declarations(structures: dict, analyst: User) -> None:
    from acss.cases.handling import case_open
    from acss.declarations.models import SituationUpdate
    from acss.declarations.services import structure_snapshot

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
