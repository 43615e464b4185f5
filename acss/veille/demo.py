"""The watch of the demonstration: three real medical-device advisories (``demo_advisories/``) imported and
matched as any import would, so that the triage queue has something in it. Idempotent: importing the same files
again changes nothing."""

from __future__ import annotations

from pathlib import Path

from acss.veille.services import ImportReport, veille_import

DEMO_ADVISORIES = Path(__file__).resolve().parent / "demo_advisories"


def load_demo_watch() -> ImportReport:
    return veille_import(paths=sorted(str(p) for p in DEMO_ADVISORIES.glob("*.json")))
