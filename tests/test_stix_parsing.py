"""The STIX 2.1 reader, parsed with stix2: whatever the bundle, it answers observables or a French refusal; an
address in a pattern or an observed object comes out as the same normalised observable."""

from __future__ import annotations

import ipaddress
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from acss.observables import stix

WHEN = {"created": "2026-11-20T03:00:00.000Z", "modified": "2026-11-20T03:00:00.000Z"}
BUNDLE_ID = "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"


def bundle(*objects: dict) -> str:
    return json.dumps({"type": "bundle", "id": BUNDLE_ID, "objects": list(objects)})


def indicator(pattern: str) -> dict:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--00000000-0000-4000-8000-000000000001",
        "pattern_type": "stix",
        "pattern": pattern,
        "valid_from": "2026-11-20T03:00:00Z",
        **WHEN,
    }


public_ipv4 = st.ip_addresses(v=4).filter(lambda a: a.is_global).map(str)


@settings(max_examples=60, deadline=None)
@given(public_ipv4)
def test_an_address_in_a_pattern_and_as_an_object_is_one_observable(address):
    observed = {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": "ipv4-addr--00000000-0000-4000-8000-000000000002",
        "value": address,
    }
    found = stix.bundle_observables(bundle(indicator(f"[ipv4-addr:value = '{address}']"), observed))
    assert found == [("ipv4", str(ipaddress.ip_address(address)))]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_pattern_gives_observables_or_a_french_refusal_naming_the_indicator(pattern):
    try:
        found = stix.bundle_observables(bundle(indicator(pattern)))
    except stix.StixError as exc:
        assert "« indicator--00000000-0000-4000-8000-000000000001 »" in str(exc)
    else:
        assert all(isinstance(kind, str) and isinstance(value, str) for kind, value in found)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda c: st.lists(c) | st.dictionaries(st.text(max_size=8), c),
        max_leaves=12,
    )
)
def test_any_json_gives_observables_or_a_french_refusal(data):
    try:
        stix.bundle_observables(json.dumps(data))
    except stix.StixError as exc:
        assert str(exc).startswith(("Le ", "L'"))
