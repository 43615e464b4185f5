"""One definition of « incident critique suspecté »: the on-call points at night and the highest provisional criticity."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from acss.incidents.models import Declaration, PatientSafety, Scope, Situation
from acss.incidents.routing import routing_plan
from acss.incidents.rules import CRITICAL, critical_reasons, provisional_criticity

from .intake_helpers import at_paris

NIGHT = at_paris(2026, 11, 18, 3, 0)  # a Wednesday, the cell closed
DAY = at_paris(2026, 11, 18, 10, 0)

# Every field either definition reads, with each value that matters (and one that doesn't).
FIELDS = {
    "functioning": ["", *Situation.values],
    "alert_care_impact": ["", *Situation.values],
    "patient_safety": ["", *PatientSafety.values],
    "category_id": [None, "rancongiciel", "hameconnage"],
    "alert_summary": ["", "Demande de RANÇON sur tous les postes", "Messagerie lente"],
    "is_major": [False, True],
    "scope": ["", *Scope.values],
    "territory_impact": ["", "   ", "Trois hôpitaux du GHT touchés"],
    "confidentiality_loss": [False, True],
}


def unsaved(**fields) -> Declaration:
    return Declaration(title="Incident", **fields)


def test_critical_suspected_is_exactly_the_highest_provisional_criticity():
    for values in itertools.product(*FIELDS.values()):
        d = unsaved(**dict(zip(FIELDS, values, strict=True)))
        assert bool(critical_reasons(d)) is (provisional_criticity(d) >= CRITICAL), dict(
            zip(FIELDS, values, strict=True)
        )


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({name: st.sampled_from(choices) for name, choices in FIELDS.items()}))
def test_routing_wakes_the_on_call_exactly_for_the_highest_provisional_criticity(world, values):
    d = unsaved(structure=world.structure_a, structure_snapshot={}, **values)
    critical = provisional_criticity(d) >= CRITICAL
    night = routing_plan(d, at=NIGHT)
    assert any(n.kind == "oncall" for n in night.notifications) is critical
    assert night.suspected_critical is critical
    assert not any(n.kind == "oncall" for n in routing_plan(d, at=DAY).notifications)  # the cell is open
