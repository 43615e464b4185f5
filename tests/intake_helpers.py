"""Valid declaration data, by step and whole, for the intake tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from acss.incidents.forms.declarations import STEPS

STEP_DATA = [
    {
        "structure": None,  # filled with the structure's FINESS ET
        "declarant_name": "Claire Martin",
        "declarant_function": "Directrice",
        "declarant_phone": "01 23 45 67 89",
        "declarant_email": "claire.martin@a.test",
        "alt_contact_phone": "+33 6 00 00 00 00",
        "alt_contact_email": "claire.perso@ailleurs.test",
    },
    {
        "title": "Rançongiciel sur le PACS",
        "occurred_at": "2026-11-20T02:30",
        "discovered_at": "2026-11-20T03:00",
        "description": "Écrans bloqués par une demande de rançon aux urgences.",
        "scope": "one_site",
        "systems": ["imagerie-pacs", "annuaire"],
        "data_categories": ["sante"],
        "handling_state": "ongoing",
    },
    {
        "unavailability": "on",
        "functioning": "degraded",
        "degraded_hours": "12",
        "patient_safety": "potential",
        "patients_count": "150",
    },
    {"origin": "malicious", "category": "rancongiciel", "vector": "courriel-malveillant"},
    {"measures_taken": "Serveurs isolés du réseau.", "accompaniment_requested": "on"},
]


def full_data(structure) -> dict:
    data = {}
    for step in STEP_DATA:
        data.update(step)
    data["structure"] = structure.finess_et
    return data


def api_payload(structure) -> dict:
    data = full_data(structure)
    return {k: (True if v == "on" else v) for k, v in data.items()}


def fill_draft(client, key, structure, steps=None) -> None:
    for number, data in enumerate(STEP_DATA, start=1):
        if steps is not None and number not in steps:
            continue
        payload = dict(data, nav="next")
        if number == 1:
            payload["structure"] = structure.finess_et
        response = client.post(reverse("incidents:draft_step", args=[key, number]), payload)
        assert response.status_code == 302, (number, response.context["form"].errors if response.context else "")


def at_paris(*args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Europe/Paris"))


assert len(STEP_DATA) == len(STEPS)
