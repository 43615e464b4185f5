"""The observatory's demonstration: last year's past declarations (about 300, seeded: the same every time), written
through the history import, then that year published by the demo analyst, so that ``/observatoire/`` shows a
published year, its report and its PDF.

Idempotent: the import skips what it already holds (external references) and a year already published is left
as it is."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from acss.accounts.models import User
from acss.core.referential import DEPARTEMENTS
from acss.incidents.services.history import Referential, history_record_parse, history_user

from .models import PublishedYear
from .periods import PARIS
from .publication import year_publish
from .selectors import now_paris
from .services import history_line_import

SEED = 2026
COUNT = 300

# Weights, roughly the regions' shares of the national declarations.
REGIONS = {"11": 18, "84": 12, "76": 11, "75": 10, "44": 9, "32": 9, "93": 8, "52": 6, "53": 5, "28": 4,
           "27": 4, "24": 4, "94": 1, "01": 1, "02": 1, "03": 1, "04": 1, "06": 1}  # fmt: skip
TYPES = {"es-public": 60, "es-prive": 10, "es-espic": 9, "clcc": 2, "lbm": 1, "radiotherapie": 1,
         "medico-social": 9, "autre": 8}  # fmt: skip
MALICIOUS = {
    "courriel-malveillant": ["hameconnage", "fraude", "compromission-compte"],
    "logiciel-malveillant": ["rancongiciel", "logiciel-malveillant"],
    "compte-compromis": ["compromission-compte"],
    "vulnerabilite": ["exploitation-vulnerabilite", "compromission-si"],
}
NON_MALICIOUS = ["dysfonctionnement-infrastructure", "perte-lien-telecom", "dysfonctionnement-applicatif",
                 "erreur-humaine"]  # fmt: skip


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def demo_records(year: int, *, count: int = COUNT, seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    departements: dict[str, list[str]] = {}
    for code, (_name, region) in DEPARTEMENTS.items():
        departements.setdefault(region, []).append(code)
    records = []
    for i in range(count):
        region, stype = _pick(rng, REGIONS), _pick(rng, TYPES)
        dep = rng.choice(sorted(departements[region]))
        submitted = datetime(year, rng.randint(1, 12), rng.randint(1, 28), rng.randint(8, 19), tzinfo=PARIS)
        qualified = submitted + timedelta(hours=rng.randint(2, 72))
        origin = rng.choices(["malicious", "non_malicious", "undetermined"], weights=[45, 38, 17])[0]
        if origin == "malicious":
            vector = rng.choice(list(MALICIOUS))
            category = rng.choice(MALICIOUS[vector])
        elif origin == "non_malicious":
            vector, category = "panne-materielle", rng.choice(NON_MALICIOUS)
        else:
            vector, category = None, "indetermine"
        functioning = rng.choices(["normal", "degraded", "interrupted"], weights=[60, 35, 5])[0]
        safety = rng.choices(["none", "potential", "actual"], weights=[80, 19, 1])[0]
        escalations = [
            {"authority": authority, "at": qualified.isoformat(), "reason": "Démonstration"}
            for authority, share in (("fssi", 0.04), ("anssi", 0.03), ("ansm", 0.04), ("dgs", 0.02))
            if rng.random() < share
        ]
        records.append(
            {
                "external_reference": f"DEMO-{year}-{i + 1:04d}",
                "submitted_at": submitted.isoformat(),
                "structure": {
                    "name": f"Structure de démonstration {stype} {dep} n° {rng.randint(1, 6)}",
                    "type": stype,
                    "departement": dep,
                },
                "title": f"Incident de démonstration {i + 1}",
                "description": "Déclaration de démonstration.",
                "discovered_at": (submitted - timedelta(hours=rng.randint(1, 72))).isoformat(),
                "scope": "one_site",
                "unavailability": functioning != "normal",
                "integrity_loss": rng.random() < 0.2,
                "confidentiality_loss": rng.random() < 0.15,
                "functioning": functioning,
                "patient_safety": safety,
                "origin": origin,
                "category": category,
                "vector": vector,
                "accompaniment_requested": rng.random() < 0.2,
                "handling": {
                    "qualified_at": qualified.isoformat(),
                    "closed_at": (qualified + timedelta(days=rng.randint(1, 40))).isoformat(),
                    "closure_summary": "Incident clos (démonstration).",
                    "criticity": 3 if functioning != "normal" else rng.choice([1, 2]),
                    "legal_level": "significant",
                    "sanitary_impact": safety == "actual",
                    "escalations": escalations,
                },
            }
        )
    return records


def load_demo_observatory(*, analyst: User, year: int | None = None) -> PublishedYear:
    """Last year's declarations imported, then that year published (once)."""
    year = year or now_paris().year - 1
    published = PublishedYear.objects.filter(year=year).order_by("-version").first()
    if published is not None:
        return published
    referential = Referential.load()
    by = history_user()
    for raw in demo_records(year):
        record, reasons = history_record_parse(raw, referential=referential)
        if record is None:  # pragma: no cover - the generator writes valid lines (tested)
            raise ValueError(f"{raw['external_reference']}: {' ; '.join(reasons)}")
        history_line_import(record=record, by=by)
    return year_publish(year=year, by=analyst)
