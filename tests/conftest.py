"""Personas and a small world shared by the suite (tests go through HTTP with personas).

Hospital A (Paris, Île-de-France), hospital C (Meaux, Île-de-France), hospital B (Strasbourg, Grand Est).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from acss.accounts.demo import with_luhn
from acss.accounts.models import Membership, Organisation, OrganisationKind, Role, Structure, User
from acss.core.models import Departement, StructureType
from acss.incidents.models import Attachment, Declaration, DeclarationDraft, Escalation
from acss.incidents.services.cases import case_open

PARIS = ZoneInfo("Europe/Paris")
PASSWORD = "Un-mot-de-passe-solide-2026"


@pytest.fixture(autouse=True)
def _fast_and_inline(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "mail"]}
    }
    settings.MEDIA_ROOT = tmp_path / "uploads"


def finess_from(prefix8: str) -> str:
    """A FINESS from 8 characters: with its Luhn key when all digits (Corsica's 2A/2B have none)."""
    return with_luhn(prefix8) if prefix8.isdigit() else prefix8 + "0"


def make_structure(name: str, dep: str, prefix: str, stype: str = "es-public", **extra) -> Structure:
    """A verified structure; ``prefix`` is 7 characters, completed into FINESS EJ (…1) and ET (…2)."""
    return Structure.objects.create(
        kind=OrganisationKind.STRUCTURE,
        name=name,
        finess_ej=finess_from(prefix + "1"),
        finess_et=finess_from(prefix + "2"),
        structure_type=StructureType.objects.get(code=stype),
        departement=Departement.objects.get(code=dep),
        verification="verified",
        **extra,
    )


def make_user(email: str, *memberships: tuple[Organisation, str], staff: bool = False, **extra) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, first_name=email.split("@")[0], **extra)
    for org, role in memberships:
        Membership.objects.create(user=user, organisation=org, role=role)
    if staff or extra.get("is_superuser"):
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def login(client: Client, user: User, *, second_factor: bool = True) -> Client:
    """Log ``user`` in on ``client``; staff also pass their second factor unless told otherwise."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if second_factor and device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@dataclass
class World:
    structure_a: Structure
    structure_b: Structure
    structure_c: Structure
    decl_a: Declaration
    decl_b: Declaration
    decl_c: Declaration
    personas: dict[str, User | None] = field(default_factory=dict)
    draft_a: DeclarationDraft | None = None
    attachment_a: Attachment | None = None

    def client(self, persona: str, *, second_factor: bool = True) -> Client:
        client = Client()
        user = self.personas[persona]
        return login(client, user, second_factor=second_factor) if user is not None else client

    def api(self, persona: str) -> Client:
        user = self.personas[persona]
        if user is None:
            return Client()
        token, _ = Token.objects.get_or_create(user=user)
        return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def org(**lookup) -> Organisation:
    return Organisation.objects.get(**lookup)


def declaration_of_same_structure(
    declaration: Declaration, *, number: int = 1, at: datetime | None = None
) -> Declaration:
    """Another submitted declaration of ``declaration``'s structure, with its case: what a duplicate is merged into
    (only declarations of one structure are merged)."""
    other = Declaration.objects.create(
        reference=f"ACSS-2026-0009{number:02d}",
        structure=declaration.structure,
        title=f"Même incident, {declaration.structure.name}",
        created_by=declaration.created_by,
        submitted_at=at or declaration.submitted_at,
    )
    case_open(declaration=other)
    return other


@pytest.fixture
def world(db) -> World:
    a = make_structure("Hôpital A", "75", "7500001")
    b = make_structure("Hôpital B", "67", "6700001")
    c = make_structure("Hôpital C", "77", "7700001")
    acss = org(kind=OrganisationKind.ACSS)
    personas: dict[str, User | None] = {
        "anonymous": None,
        "declarant_a": make_user("declarant@a.test", (a, Role.DECLARANT)),
        "manager_a": make_user("manager@a.test", (a, Role.MANAGER)),
        "declarant_b": make_user("declarant@b.test", (b, Role.MANAGER)),
        "group_officer": make_user("rssi@ght.test", (a, Role.DECLARANT), (c, Role.MANAGER)),
        "ars_idf": make_user("agent@ars-idf.test", (org(kind="ars", region_id="11"), Role.AGENT), staff=True),
        "ars_other": make_user("agent@ars-occ.test", (org(kind="ars", region_id="76"), Role.AGENT), staff=True),
        "analyst": make_user("analyste@acss.test", (acss, Role.ANALYST), staff=True),
        "fssi": make_user("officier@fssi.test", (org(authority_code="fssi"), Role.AGENT), staff=True),
        "dgs": make_user("officier@dgs.test", (org(authority_code="dgs"), Role.AGENT), staff=True),
        "ansm": make_user("officier@ansm.test", (org(authority_code="ansm"), Role.AGENT), staff=True),
        "admin": make_user("admin@acss.test", is_superuser=True, is_staff=True),
    }
    at = datetime(2026, 11, 20, 3, 0, tzinfo=PARIS)
    decls = [
        Declaration.objects.create(
            reference=f"ACSS-2026-00000{i}",
            structure=s,
            title=f"Incident {s.name}",
            created_by=personas["declarant_a"],
            submitted_at=at,
        )
        for i, s in enumerate((a, b, c), start=1)
    ]
    Escalation.objects.create(
        declaration=decls[0],
        authority=org(authority_code="dgs"),
        reason="Impact sanitaire",
        decided_by=personas["analyst"],
        decided_at=at,
    )
    for declaration in decls:
        case_open(declaration=declaration)
    draft = DeclarationDraft.objects.create(owner=personas["declarant_a"], data={"title": "Brouillon de A"})
    attachment = Attachment(
        declaration=decls[0],
        original_name="journal.txt",
        content_type="text/plain",
        size=5,
        sha256="0" * 64,
        uploaded_by=personas["declarant_a"],
        uploaded_at=timezone.now(),
    )
    attachment.file.save("upload", ContentFile(b"hello"), save=True)
    return World(a, b, c, *decls, personas=personas, draft_a=draft, attachment_a=attachment)
