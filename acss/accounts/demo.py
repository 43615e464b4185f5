"""Demo accounts: structures in several regions, people of every role, staff enrolled in TOTP.

Idempotent: running it twice changes nothing. Never run in production: ``manage.py load_demo``
(``acss.portal.demo``, which adds the demo incidents) refuses unless DEBUG or ACSS_DEMO is on, or --force is given.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from acss.core.finess import luhn_valid
from acss.core.models import Departement, StructureType

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


@dataclass
class DemoAccounts:
    logins: list[DemoLogin]
    structures: dict[str, Structure]  # by the demo key ("chu-paris", "hus-strasbourg"…)
    analyst: User
    second_analyst: User


@transaction.atomic
def load_demo_accounts() -> DemoAccounts:
    """The structures, people and memberships of the demonstration (the incidents are loaded on top of them by
    ``acss.portal.demo.load_demo``)."""
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
    # A second analyst: what one analyst writes for the public, another approves (four eyes).
    second_analyst = add(
        "analyste2@acss.demo.example.fr", "Olivier", "Lambert", "Analyste", [(acss, Role.ANALYST)], staff=True
    )
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

    return DemoAccounts(logins, structures, analyst, second_analyst)
