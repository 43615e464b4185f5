"""Build the labelled set of the watch's recognition: ``records.csv`` beside this file (see README.md).

    python -m acss.veille.labelled.build [DATA_FOLDER]

Deterministic: the records are chosen and labelled by the rules of thumb of README.md (fixed seed for the random
samples), the hand-checked ones by ``HAND_CHECKED`` below. The split (build / holdout) is drawn once, at random
with ``SEED``, stratum by stratum; a record already in ``records.csv`` keeps its split whatever happens after.
The data folder is the real public data kept beside the checkout (``ACSS_REAL_DATA`` points elsewhere).
Pure Python: no Django, no database.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import sys
from pathlib import Path

from acss.veille.normalized import normalize_csaf, normalize_cve5

HERE = Path(__file__).resolve().parent
RECORDS = HERE / "records.csv"
DEFAULT_DATA = Path(os.environ.get("ACSS_REAL_DATA") or HERE.parents[3] / "shared" / "data")
SEED = 20261201
OTHER_SAMPLE = 300
ICSA_OTHER_SAMPLE = 40
FIELDS = ("source", "label", "rule", "split")
HEALTH, NOT = "health", "not"

# The screen of rule R6: any word that a health product or its imitations would use.
SCREEN_RE = re.compile(
    r"\b(dicom|pacs|hl7|fhir|radiotherap\w*|radiology|medical|hospital|patient|clinic\w*|health\w*|pharma\w*|"
    r"laborator\w*|infusion|ventilator|pacemaker|ultrasound|mri|x-ray|imaging|ehr|emr)\b",
    re.IGNORECASE,
)

# Records whose label was decided by reading them (source → (label, why)); the rule column says "hand".
HAND_CHECKED: dict[str, tuple[str, str]] = {
    # In both of the data's lists: a PHP web application (/xds/cloudInterface.php) — the trap list wins.
    "cve5/CVE-2024-4654.json": (NOT, "dans les deux listes ; application web PHP : la liste des pièges l'emporte"),
    # ICSA advisories whose products are themselves used in care.
    "csaf/cisa-icsa/icsa-21-350-16.json": (HEALTH, "Siemens Healthineers syngo fastView : visionneuse DICOM"),
    "csaf/cisa-icsa/icsa-22-153-02.json": (HEALTH, "Illumina Local Run Manager : séquenceurs de laboratoire"),
    "csaf/cisa-icsa/icsa-22-102-05.json": (HEALTH, "Aethon TUG : robots de logistique hospitalière"),
    "csaf/cisa-icsa/icsa-21-147-03.json": (NOT, "MesaLabs AmegaView : surveillance d'environnement, pas un soin"),
    # Other CVE records flagged by the screen of rule R6.
    "cve5/CVE-2023-40276.json": (HEALTH, "OpenClinic GA : système d'information hospitalier"),
    "cve5/CVE-2024-2275.json": (NOT, "script PHP vendu sur une place de marché (Bdtask), comme les pièges"),
    "cve5/CVE-2023-42132.json": (NOT, "logiciel de dépôt de dossiers administratifs d'un ministère"),
    "cve5/CVE-2024-0052.json": (NOT, "Android (Health Connect) : plateforme du téléphone, pas un produit de soin"),
    "cve5/CVE-2024-31323.json": (NOT, "Android : permissions « santé » du téléphone"),
}


def _read(data: Path, source: str) -> dict:
    return json.loads((data / source).read_text(encoding="utf-8"))


def _text(item) -> str:
    return " ".join([item.title, item.description] + [f"{e.vendor} {e.product}" for e in item.affected])


def rows_from(data: Path) -> list[dict[str, str]]:
    """Every record of the set, labelled, in a fixed order (split not yet drawn)."""
    rng = random.Random(SEED)
    rows: dict[str, dict[str, str]] = {}

    def add(source: str, label: str, rule: str, stratum: str) -> None:
        if source in HAND_CHECKED:
            label, rule = HAND_CHECKED[source][0], "hand"
        rows.setdefault(source, {"source": source, "label": label, "rule": rule, "stratum": stratum})

    health = sorted(json.loads((data / "cve5-health-examples.json").read_text()))
    traps = sorted(json.loads((data / "cve5-not-health-examples.json").read_text()))
    for name in traps:
        add(f"cve5/{name}", NOT, "R2", "trap")
    for name in health:
        add(f"cve5/{name}", HEALTH, "R1", "health-example")
    for path in sorted((data / "csaf" / "cisa-icsma").glob("*.json")):
        add(f"csaf/cisa-icsma/{path.name}", HEALTH, "R3", "icsma")
    icsa_health, icsa_other = [], []
    for path in sorted((data / "csaf" / "cisa-icsa").glob("*.json")):
        source = f"csaf/cisa-icsa/{path.name}"
        item = normalize_csaf(_read(data, source))
        (icsa_health if "healthcare" in item.sector else icsa_other).append(source)
    for source in icsa_health:
        add(source, NOT, "R4", "icsa-healthcare")
    for source in sorted(rng.sample(icsa_other, ICSA_OTHER_SAMPLE)):
        add(source, NOT, "R4", "icsa-other")
    listed = {f"cve5/{n}" for n in health + traps}
    flagged, plain = [], []
    for path in sorted((data / "cve5").glob("*.json")):
        source = f"cve5/{path.name}"
        if source in listed:
            continue
        item = normalize_cve5(_read(data, source))
        (flagged if SCREEN_RE.search(_text(item)) else plain).append(source)
    for source in flagged:
        add(source, NOT, "R6", "cve5-screened")
    for source in sorted(rng.sample(plain, OTHER_SAMPLE)):
        add(source, NOT, "R5", "cve5-random")
    return list(rows.values())


def with_split(rows: list[dict[str, str]], previous: dict[str, str]) -> list[dict[str, str]]:
    """Half of each stratum to build and tune, half held out — drawn once; earlier splits are kept."""
    rng = random.Random(SEED + 1)
    strata: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        strata.setdefault(row["stratum"], []).append(row)
    for _stratum, members in sorted(strata.items()):
        order = list(members)
        rng.shuffle(order)
        for position, row in enumerate(order):
            row["split"] = previous.get(row["source"]) or ("build" if position % 2 == 0 else "holdout")
    return rows


def read_records(path: Path = RECORDS) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build(data: Path = DEFAULT_DATA, path: Path = RECORDS) -> list[dict[str, str]]:
    previous = {r["source"]: r["split"] for r in read_records(path)} if path.exists() else {}
    rows = with_split(rows_from(data), previous)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA
    if not (folder / "cve5").is_dir():
        sys.exit(f"{folder} n'a pas de dossier cve5 : indiquez le dossier des données réelles.")
    built = build(folder)
    counts: dict[tuple[str, str], int] = {}
    for row in built:
        counts[(row["label"], row["split"])] = counts.get((row["label"], row["split"]), 0) + 1
    print(f"{len(built)} enregistrements écrits dans {RECORDS} : {dict(sorted(counts.items()))}")
