"""A year of past declarations whose composition is the one of the 2019 « en bref » (the public summary of the
cell's first full year), written as a JSON Lines file for ``import_declarations``. Seeded: the same file every
time.

What the summary prints, and the composition that gives it:
392 declarations (32 a month on average), 70 accompaniments taken up by the cell, 20 % asking for one on the
form (78), 14 followed by the FSSI, 11 handled by ANSSI, 16 communicated to the ANSM, 8 with a sanitary impact;
Occitanie first with 57; health establishments 85 % (333: public 246 = 74 %, private 40 = 12 %, non-profit
47 = 14 %), laboratories 0,8 % (3), radiotherapy 1 % (4), medico-social (mainly EHPAD) 7 % (27) — the summary's
shares leave 6,2 % unprinted: 25 declarations of other structures; degraded mode 40 % (157), malicious origin
43 % (169, by malicious e-mail first, then malware / ransomware), patient endangerment 19 % (74, of which 5
actual).
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from acss.accounts.demo import with_luhn
from acss.core.referential import DEPARTEMENTS

PARIS = ZoneInfo("Europe/Paris")
SEED = 2019
TOTAL = 392

REGION_COUNTS = {
    "76": 57,
    "11": 52,
    "84": 45,
    "75": 42,
    "44": 35,
    "32": 30,
    "93": 28,
    "52": 22,
    "53": 18,
    "28": 15,
    "27": 14,
    "24": 12,
    "94": 4,
    "01": 5,
    "02": 4,
    "04": 5,
    "03": 2,
    "06": 2,
}
TYPE_COUNTS = {
    "es-public": 246,
    "es-prive": 40,
    "es-espic": 40,
    "clcc": 7,
    "lbm": 3,
    "radiotherapie": 4,
    "medico-social": 27,
    "autre": 25,
}
MALICIOUS_VECTORS = {
    "courriel-malveillant": 72,
    "logiciel-malveillant": 55,
    "compte-compromis": 18,
    "vulnerabilite": 14,
    "acces-physique": 4,
    "autre": 6,
}  # 169
MALICIOUS_CATEGORIES = {
    "courriel-malveillant": ["hameconnage", "fraude", "compromission-compte"],
    "logiciel-malveillant": ["rancongiciel", "logiciel-malveillant"],
    "compte-compromis": ["compromission-compte"],
    "vulnerabilite": ["exploitation-vulnerabilite", "compromission-si"],
    "acces-physique": ["vol-equipement"],
    "autre": ["deni-service", "defiguration", "fuite-donnees"],
}
NON_MALICIOUS = 150
UNDETERMINED = TOTAL - 169 - NON_MALICIOUS  # 73


def _spread(counts: dict[str, int], rng: random.Random) -> list[str]:
    items = [key for key, n in counts.items() for _ in range(n)]
    rng.shuffle(items)
    return items


def _flags(n: int, rng: random.Random, among: list[int] | None = None) -> set[int]:
    return set(rng.sample(among if among is not None else range(TOTAL), n))


def records_2019(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    regions = _spread(REGION_COUNTS, rng)
    types = _spread(TYPE_COUNTS, rng)
    assert len(regions) == len(types) == TOTAL
    departements_of: dict[str, list[str]] = {}
    for code, (_name, region) in DEPARTEMENTS.items():
        departements_of.setdefault(region, []).append(code)

    # Structures: about two declarations each, per (region, type).
    per_key: dict[tuple[str, str], int] = {}
    for region, stype in zip(regions, types, strict=True):
        per_key[(region, stype)] = per_key.get((region, stype), 0) + 1
    pools: dict[tuple[str, str], list[dict]] = {}
    serial = 0
    for (region, stype), n in sorted(per_key.items()):
        pool = []
        for k in range(max(1, n // 2)):
            serial += 1
            dep = rng.choice(sorted(departements_of[region]))
            structure = {"name": f"Structure {stype} {dep} n° {k + 1}", "type": stype, "departement": dep}
            if dep.isdigit() and serial % 3:  # two structures in three have a known FINESS
                prefix = dep[:3] if dep.startswith("97") else dep[:2]
                body = f"{prefix}{serial:0{8 - len(prefix)}d}"[:8]
                structure["finess_et"] = with_luhn(body)
            pool.append(structure)
        pools[(region, stype)] = pool

    # Months: 392 = 12 × 32 + 8.
    months = [m for m in range(1, 13) for _ in range(32)] + rng.sample(range(1, 13), 8)
    rng.shuffle(months)

    origins = ["malicious"] * 169 + ["non_malicious"] * NON_MALICIOUS + ["undetermined"] * UNDETERMINED
    rng.shuffle(origins)
    malicious_at = [i for i, o in enumerate(origins) if o == "malicious"]
    vectors = dict(zip(malicious_at, _spread(MALICIOUS_VECTORS, rng), strict=True))

    asked = _flags(78, rng)
    accompanied = _flags(70, rng, sorted(asked))
    fssi = _flags(14, rng)
    anssi = _flags(11, rng)
    ansm = _flags(16, rng)
    sanitary = _flags(8, rng)
    degraded = sorted(_flags(157, rng))
    interrupted = set(degraded[:17])
    endangered = sorted(_flags(74, rng))
    actual = set(endangered[:5])
    still_open = _flags(12, rng)

    non_malicious_categories = [
        "dysfonctionnement-infrastructure",
        "defaillance-prestataire",
        "perte-lien-telecom",
        "dysfonctionnement-applicatif",
        "erreur-humaine",
        "sinistre-physique",
    ]
    records = []
    for i in range(TOTAL):
        month = months[i]
        day = rng.randint(1, 28)
        submitted = datetime(2019, month, day, rng.randint(8, 19), rng.randint(0, 59), tzinfo=PARIS)
        discovered = submitted - timedelta(hours=rng.randint(1, 96))
        qualified = submitted + timedelta(hours=rng.randint(2, 72))
        closed = qualified + timedelta(days=rng.randint(1, 60))
        origin = origins[i]
        if origin == "malicious":
            vector = vectors[i]
            category = rng.choice(MALICIOUS_CATEGORIES[vector])
        elif origin == "non_malicious":
            category = rng.choice(non_malicious_categories)
            vector = "defaillance-prestataire" if category == "defaillance-prestataire" else "panne-materielle"
        else:
            category, vector = "indetermine", None
        functioning = "interrupted" if i in interrupted else ("degraded" if i in degraded else "normal")
        safety = "actual" if i in actual else ("potential" if i in endangered else "none")
        escalations = []
        for flag, authority in ((fssi, "fssi"), (anssi, "anssi"), (ansm, "ansm"), (sanitary, "dgs")):
            if i in flag:
                escalations.append(
                    {"authority": authority, "at": qualified.isoformat(), "reason": "Reprise de l'historique 2019"}
                )
        handling = {
            "qualified_at": qualified.isoformat(),
            "criticity": 4 if safety == "actual" else (3 if functioning != "normal" else rng.choice([1, 2])),
            "legal_level": "serious" if safety == "actual" else "significant",
            "sanitary_impact": i in sanitary,
            "escalations": escalations,
        }
        if i in accompanied:
            handling["accompaniment"] = {"opened_at": qualified.isoformat(), "closed_at": None}
        if i not in still_open:
            handling["closed_at"] = closed.isoformat()
            handling["closure_summary"] = "Incident clos ; synthèse reprise de l'historique."
            if i in accompanied:
                handling["accompaniment"]["closed_at"] = closed.isoformat()
        records.append(
            {
                "external_reference": f"SIG-2019-{i + 1:04d}",
                "submitted_at": submitted.isoformat(),
                "structure": rng.choice(pools[(regions[i], types[i])]),
                "title": f"Incident {i + 1} de 2019",
                "description": "Déclaration reprise du portail des signalements.",
                "occurred_at": (discovered - timedelta(hours=rng.randint(0, 24))).isoformat(),
                "discovered_at": discovered.isoformat(),
                "scope": "one_site",
                "unavailability": functioning != "normal" or rng.random() < 0.3,
                "integrity_loss": rng.random() < 0.25,
                "confidentiality_loss": rng.random() < 0.2,
                "functioning": functioning,
                "patient_safety": safety,
                "health_products": i in ansm,
                "health_products_details": "Dispositif médical connecté" if i in ansm else "",
                "origin": origin,
                "category": category,
                "vector": vector,
                "accompaniment_requested": i in asked,
                "handling": handling,
            }
        )
    return records


def write_2019(path: Path, seed: int = SEED) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for record in records_2019(seed):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
