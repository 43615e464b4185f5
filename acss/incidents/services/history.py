"""Past declarations loaded from another tool (``manage.py import_declarations``): one line, one declaration.

``history_record_parse`` checks one line (a dict: the API's declaration fields, plus ``external_reference``,
``submitted_at``, the ``structure`` and the ``handling`` facts) and gives back either an ``ImportRecord`` or the
French reasons it is refused. ``declaration_import`` writes it in one transaction: the structure if it is not
known yet (found by FINESS, else by name and département), the declaration marked ``imported``, its case with
its handling facts and dates, the escalations decided then, and one audit event. Nothing is routed, notified
or mailed: no task is enqueued, no ``Notification`` row is made, no deadline is set. Idempotent on
``external_reference``: a line already imported is handed back untouched (``created`` False).

The format is documented in docs/observatory-import.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from acss.accounts.models import Organisation, OrganisationKind, Structure, User, VerificationStatus
from acss.core.audit import AuditOrigin, audit_record
from acss.core.finess import FINESS_RE, finess_departement_code, finess_normalise
from acss.core.idempotency import Written
from acss.core.models import AffectedSystem, DataCategory, Departement, IncidentCategory, StructureType, Vector
from acss.incidents.models import (
    Case,
    CaseState,
    Declaration,
    Escalation,
    HandlingState,
    LegalLevel,
    Origin,
    PatientSafety,
    Scope,
    Situation,
)
from acss.incidents.rules import provisional_criticity
from acss.incidents.services.declarations import reference_next, structure_snapshot

PARIS = ZoneInfo("Europe/Paris")
HISTORY_USER_EMAIL = "historique@acss.invalid"
AUTHORITIES = ("fssi", "anssi", "ansm", "dgs")
FUTURE_TOLERANCE = timedelta(minutes=5)

TEXT_FIELDS = {
    "declarant_name": 200,
    "declarant_function": 120,
    "declarant_phone": 30,
    "declarant_email": 254,
    "alt_contact_phone": 30,
    "alt_contact_email": 254,
    "title": 200,
    "description": None,
    "systems_other": 200,
    "provider_name": 200,
    "health_products_details": None,
    "territory_impact": None,
    "measures_taken": None,
}
CHOICE_FIELDS = {
    "scope": Scope,
    "handling_state": HandlingState,
    "functioning": Situation,
    "patient_safety": PatientSafety,
    "origin": Origin,
}
BOOL_FIELDS = (
    "unavailability",
    "integrity_loss",
    "confidentiality_loss",
    "health_products",
    "accompaniment_requested",
    "complaint_filed",
    "cnil_notified",
    "anssi_notified",
    "is_major",
)
INT_FIELDS = ("degraded_hours", "patients_count")
DATE_FIELDS = ("occurred_at", "discovered_at")
HANDLING_TEXT = {"closure_summary": None, "closure_root_cause": None, "closure_provider": 200, "justification": None}
HANDLING_DATES = ("qualified_at", "structure_resolved_at", "closed_at")
HANDLING_INTS = ("closure_degraded_hours", "closure_patients_affected")
TRUE = {"true", "1", "oui", "o", "yes", "y", "vrai", "x"}
FALSE = {"false", "0", "non", "n", "no", "faux", ""}


@dataclass
class ImportRecord:
    external_reference: str
    submitted_at: datetime
    structure: dict[str, Any]
    fields: dict[str, Any]
    m2m: dict[str, list[str]]
    case: dict[str, Any]
    escalations: list[dict[str, Any]] = field(default_factory=list)
    accompaniment: dict[str, Any] | None = None


# --------------------------------------------------------------------------------------------------
# Checking one line
# --------------------------------------------------------------------------------------------------


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, name: str, message: str) -> None:
        self.errors.append(f"{name} : {message}")

    def text(self, name: str, value: Any, limit: int | None) -> str:
        if value is None:
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.fail(name, _("texte attendu."))
            return ""
        text = str(value).strip()
        if limit and len(text) > limit:
            self.fail(name, _("%(n)s caractères au plus (%(got)s ici).") % {"n": limit, "got": len(text)})
        return text

    def boolean(self, name: str, value: Any) -> bool:
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
            return value.strip().lower() in TRUE
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        self.fail(name, _("« %(value)s » n'est ni oui ni non (true/false, oui/non, 1/0).") % {"value": value})
        return False

    def integer(self, name: str, value: Any, low: int = 0, high: int | None = None) -> int | None:
        if value is None or value == "":
            return None
        try:
            number = int(str(value).strip()) if not isinstance(value, bool) else None
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            bounds = _("entre %(low)s et %(high)s") % {"low": low, "high": high} if high else _("positif ou nul")
            self.fail(
                name, _("« %(value)s » n'est pas un nombre entier %(bounds)s.") % {"value": value, "bounds": bounds}
            )
            return None
        return number

    def moment(self, name: str, value: Any, *, required: bool = False) -> datetime | None:
        if value is None or value == "":
            if required:
                self.fail(name, _("obligatoire (date et heure ISO 8601, par exemple 2019-03-04T10:30:00+01:00)."))
            return None
        parsed = None
        if isinstance(value, str):
            text = value.strip()
            try:
                parsed = parse_datetime(text if "T" in text or " " in text else f"{text}T00:00:00")
            except ValueError:
                parsed = None
        if parsed is None:
            self.fail(
                name,
                _("« %(value)s » n'est pas une date et heure ISO 8601 (par exemple 2019-03-04T10:30:00+01:00).")
                % {"value": value},
            )
            return None
        if timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=PARIS)  # a time without offset is Paris time
        if parsed > timezone.now() + FUTURE_TOLERANCE:
            self.fail(name, _("la date %(value)s est dans le futur.") % {"value": value})
            return None
        return parsed

    def choice(self, name: str, value: Any, choices) -> str:
        if value is None or value == "":
            return ""
        text = str(value).strip()
        if text not in choices.values:
            allowed = ", ".join(choices.values)
            self.fail(
                name,
                _("« %(value)s » n'est pas une valeur permise (%(allowed)s).") % {"value": text, "allowed": allowed},
            )
            return ""
        return text

    def code(self, name: str, value: Any, known: set[str]) -> str | None:
        if value is None or value == "":
            return None
        text = str(value).strip()
        if text not in known:
            self.fail(name, _("code « %(value)s » inconnu.") % {"value": text})
            return None
        return text

    def codes(self, name: str, value: Any, known: set[str]) -> list[str]:
        if value is None or value == "":
            return []
        items = value.split("|") if isinstance(value, str) else value
        if not isinstance(items, list):
            self.fail(name, _("liste de codes attendue."))
            return []
        return [c for c in (self.code(name, str(item).strip(), known) for item in items if str(item).strip()) if c]


@dataclass
class Referential:
    """The code lists a line is checked against, read once per import."""

    structure_types: set[str]
    departements: set[str]
    categories: set[str]
    vectors: set[str]
    systems: set[str]
    data_categories: set[str]

    @classmethod
    def load(cls) -> Referential:
        return cls(
            structure_types=set(StructureType.objects.values_list("code", flat=True)),
            departements=set(Departement.objects.values_list("code", flat=True)),
            categories=set(IncidentCategory.objects.values_list("code", flat=True)),
            vectors=set(Vector.objects.values_list("code", flat=True)),
            systems=set(AffectedSystem.objects.values_list("code", flat=True)),
            data_categories=set(DataCategory.objects.values_list("code", flat=True)),
        )


def history_record_parse(raw: Any, *, referential: Referential | None = None) -> tuple[ImportRecord | None, list[str]]:
    """One line of the history checked: the record, or None and every reason (French) it is refused."""
    ref = referential or Referential.load()
    check = _Checker()
    if not isinstance(raw, dict):
        return None, [_("la ligne n'est pas un objet JSON.")]
    reference = check.text("external_reference", raw.get("external_reference"), 100)
    if not reference:
        check.fail("external_reference", _("obligatoire (la référence dans l'outil d'origine)."))
    submitted_at = check.moment("submitted_at", raw.get("submitted_at"), required=True)

    # the structure
    structure_raw = raw.get("structure")
    structure: dict[str, Any] = {}
    if not isinstance(structure_raw, dict):
        check.fail("structure", _("obligatoire : nom, type, département, FINESS si connu."))
        structure_raw = {}
    structure["name"] = check.text("structure.name", structure_raw.get("name"), 200)
    if not structure["name"]:
        check.fail("structure.name", _("obligatoire."))
    structure["type"] = check.code("structure.type", structure_raw.get("type"), ref.structure_types)
    if not structure_raw.get("type"):
        check.fail("structure.type", _("obligatoire (es-public, es-prive, es-espic, lbm, radiotherapie…)."))
    for key in ("finess_et", "finess_ej"):
        value = finess_normalise(str(structure_raw.get(key) or ""))
        if value and not FINESS_RE.match(value):
            check.fail(
                f"structure.{key}", _("« %(value)s » n'est pas un numéro FINESS (9 caractères).") % {"value": value}
            )
            value = ""
        structure[key] = value
    departement = str(structure_raw.get("departement") or "").strip()
    if departement.isdigit() and len(departement) == 1:
        departement = f"0{departement}"
    if not departement and structure["finess_et"]:
        departement = finess_departement_code(structure["finess_et"])
    if not departement:
        check.fail("structure.departement", _("obligatoire quand le FINESS n'est pas connu."))
    elif departement not in ref.departements:
        check.fail("structure.departement", _("département « %(value)s » inconnu.") % {"value": departement})
    structure["departement"] = departement

    # the declaration, as the API gives it
    fields: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        fields[name] = check.text(name, raw.get(name), limit)
    for name, choices in CHOICE_FIELDS.items():
        fields[name] = check.choice(name, raw.get(name), choices)
    for name in BOOL_FIELDS:
        fields[name] = check.boolean(name, raw.get(name))
    for name in INT_FIELDS:
        fields[name] = check.integer(name, raw.get(name))
    for name in DATE_FIELDS:
        fields[name] = check.moment(name, raw.get(name))
    fields["category_id"] = check.code("category", raw.get("category"), ref.categories)
    fields["vector_id"] = check.code("vector", raw.get("vector"), ref.vectors)
    if fields["occurred_at"] and fields["discovered_at"] and fields["discovered_at"] < fields["occurred_at"]:
        check.fail("discovered_at", _("la découverte ne peut précéder la survenue."))
    if submitted_at and fields["occurred_at"] and fields["occurred_at"] > submitted_at:
        check.fail("occurred_at", _("la survenue ne peut suivre le dépôt."))
    m2m = {
        "systems": check.codes("systems", raw.get("systems"), ref.systems),
        "data_categories": check.codes("data_categories", raw.get("data_categories"), ref.data_categories),
    }

    # the handling facts
    handling = raw.get("handling") or {}
    if not isinstance(handling, dict):
        check.fail("handling", _("objet attendu."))
        handling = {}
    case: dict[str, Any] = {}
    for name, limit in HANDLING_TEXT.items():
        case[name] = check.text(f"handling.{name}", handling.get(name), limit)
    for name in HANDLING_DATES:
        case[name] = check.moment(f"handling.{name}", handling.get(name))
        if submitted_at and case[name] and case[name] < submitted_at:
            check.fail(f"handling.{name}", _("la date précède le dépôt de la déclaration."))
    for name in HANDLING_INTS:
        case[name] = check.integer(f"handling.{name}", handling.get(name))
    case["criticity"] = check.integer("handling.criticity", handling.get("criticity"), 1, 4)
    case["legal_level"] = check.choice("handling.legal_level", handling.get("legal_level"), LegalLevel)
    sanitary = handling.get("sanitary_impact")
    case["sanitary_impact_confirmed"] = (
        None if sanitary in (None, "") else check.boolean("handling.sanitary_impact", sanitary)
    )
    case["category_id"] = check.code("handling.category", handling.get("category"), ref.categories)
    case["rsit"] = check.text("handling.rsit", handling.get("rsit"), 120)
    state = handling.get("state")
    if state in (None, ""):
        state = (
            CaseState.CLOSED if case["closed_at"] else (CaseState.QUALIFIED if case["qualified_at"] else CaseState.NEW)
        )
    case["state"] = check.choice("handling.state", state, CaseState)
    if case["state"] == CaseState.DUPLICATE:
        check.fail("handling.state", _("un doublon ne s'importe pas : importez la déclaration qu'il double."))
    if case["state"] == CaseState.CLOSED and not case["closed_at"]:
        check.fail("handling.closed_at", _("obligatoire pour un dossier clôturé."))

    escalations = []
    raw_escalations = handling.get("escalations") or []
    if isinstance(raw_escalations, str):
        raw_escalations = [{"authority": a} for a in raw_escalations.split("|") if a.strip()]
    if not isinstance(raw_escalations, list):
        check.fail("handling.escalations", _("liste attendue."))
        raw_escalations = []
    for item in raw_escalations:
        item = {"authority": item} if isinstance(item, str) else item
        if not isinstance(item, dict):
            check.fail("handling.escalations", _("chaque transmission est un objet {authority, at, reason}."))
            continue
        authority = str(item.get("authority") or "").strip().lower()
        if authority not in AUTHORITIES:
            check.fail(
                "handling.escalations",
                _("autorité « %(value)s » inconnue (fssi, anssi, ansm, dgs).") % {"value": authority},
            )
            continue
        if any(e["authority"] == authority for e in escalations):
            continue
        at = check.moment("handling.escalations.at", item.get("at")) or case["qualified_at"] or submitted_at
        reason = check.text("handling.escalations.reason", item.get("reason"), None)
        escalations.append(
            {"authority": authority, "at": at, "reason": reason or _("Transmission reprise de l'historique.")}
        )

    accompaniment = None
    raw_acc = handling.get("accompaniment")
    if isinstance(raw_acc, dict):
        opened = check.moment("handling.accompaniment.opened_at", raw_acc.get("opened_at"))
        closed = check.moment("handling.accompaniment.closed_at", raw_acc.get("closed_at"))
        accompaniment = {"opened_at": opened or case["qualified_at"] or submitted_at, "closed_at": closed}
    elif raw_acc not in (None, ""):
        if check.boolean("handling.accompaniment", raw_acc):
            accompaniment = {"opened_at": case["qualified_at"] or submitted_at, "closed_at": case["closed_at"]}

    if check.errors:
        return None, check.errors
    return (
        ImportRecord(
            external_reference=reference,
            submitted_at=submitted_at,
            structure=structure,
            fields=fields,
            m2m=m2m,
            case=case,
            escalations=escalations,
            accompaniment=accompaniment,
        ),
        [],
    )


# --------------------------------------------------------------------------------------------------
# Writing it
# --------------------------------------------------------------------------------------------------


def history_user() -> User:
    """The account history is written under: inactive, no password, member of nothing."""
    user = User.objects.filter(email=HISTORY_USER_EMAIL).first()
    if user is None:
        user = User.objects.create_user(
            email=HISTORY_USER_EMAIL, password=None, is_active=False, last_name=_("Reprise de l'historique")
        )
    return user


def _synthetic_finess(name: str, departement: str) -> str:
    """A structure whose FINESS is not known gets a unique placeholder that no real FINESS can match (a real
    one starts with a digit)."""
    digest = hashlib.sha256(f"{name.casefold()}|{departement}".encode()).hexdigest().upper()
    return f"H{digest[:8]}"


def _structure(data: dict[str, Any], by: User, now: datetime) -> tuple[Structure, bool]:
    found = None
    if data["finess_et"]:
        found = Structure.objects.filter(finess_et=data["finess_et"]).first()
    if found is None:
        found = (
            Structure.objects.filter(name__iexact=data["name"], departement_id=data["departement"])
            .order_by("pk")
            .first()
        )
    if found is not None:
        return found, False
    finess_et = data["finess_et"] or _synthetic_finess(data["name"], data["departement"])
    structure = Structure.objects.create(
        kind=OrganisationKind.STRUCTURE,
        name=data["name"],
        finess_et=finess_et,
        finess_ej=data["finess_ej"] or finess_et,
        structure_type_id=data["type"],
        departement_id=data["departement"],
        verification=VerificationStatus.VERIFIED,
        verified_at=now,
        verified_by=by,
        finess_warning="" if data["finess_et"] else _("FINESS inconnu à l'import de l'historique."),
    )
    return structure, True


@transaction.atomic
def declaration_import(
    *, record: ImportRecord, by: User | None = None, origin: AuditOrigin | None = None
) -> Written[Declaration]:
    """One past declaration written, never routed nor notified (see the module's docstring)."""
    existing = Declaration.objects.filter(imported_reference=record.external_reference).first()
    if existing is not None:
        return Written(existing, created=False)
    by = by or history_user()
    now = timezone.now()
    structure, structure_created = _structure(record.structure, by, now)
    fields = dict(record.fields)
    declaration = Declaration.objects.create(
        reference=reference_next(at=record.submitted_at),
        structure=structure,
        created_by=by,
        channel="form",
        submitted_at=record.submitted_at,
        completed_at=record.submitted_at,
        structure_snapshot=structure_snapshot(structure),
        imported=True,
        imported_reference=record.external_reference,
        **fields,
    )
    if record.m2m["systems"]:
        declaration.systems.set(AffectedSystem.objects.filter(code__in=record.m2m["systems"]))
    if record.m2m["data_categories"]:
        declaration.data_categories.set(DataCategory.objects.filter(code__in=record.m2m["data_categories"]))
    facts = dict(record.case)
    state = facts.pop("state")
    Case.objects.create(
        declaration=declaration,
        state=state,
        opened_at=record.submitted_at,
        provisional_criticity=provisional_criticity(declaration),
        qualification_due_at=None,  # history: no deadline runs, nothing is due
        closed_by=by if facts.get("closed_at") else None,
        **facts,
    )
    if record.escalations:
        authorities = {
            o.authority_code: o
            for o in Organisation.objects.filter(kind=OrganisationKind.AUTHORITY, authority_code__in=AUTHORITIES)
        }
        Escalation.objects.bulk_create(
            Escalation(
                declaration=declaration,
                authority=authorities[e["authority"]],
                reason=e["reason"],
                decided_by=by,
                decided_at=e["at"],
            )
            for e in record.escalations
            if e["authority"] in authorities
        )
    audit_record(
        actor=by,
        action="declaration.imported",
        obj=declaration,
        origin=origin,
        data={
            "reference": declaration.reference,
            "imported_reference": record.external_reference,
            "structure_created": structure_created,
        },
    )
    return Written(declaration, created=True)


__all__ = ["ImportRecord", "Referential", "declaration_import", "history_record_parse", "history_user"]
