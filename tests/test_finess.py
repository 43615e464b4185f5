"""FINESS numbers: format refused when wrong, département checked, a bad Luhn key only warns."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acss.accounts.demo import with_luhn
from acss.core.finess import finess_check, finess_departement_code, luhn_valid
from acss.core.referential import DEPARTEMENTS

FINESS_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.mark.parametrize(
    ("finess", "departement"),
    [
        ("750712184", "75"),  # AP-HP, a real FINESS with a valid key
        ("2A0000018", "2A"),
        ("2B0000017", "2B"),
        (with_luhn("97110000"), "971"),
        (with_luhn("97610000"), "976"),
        (with_luhn("01000000"), "01"),
    ],
)
def test_it_accepts_valid_numbers_and_finds_the_departement(finess, departement):
    check = finess_check(finess)
    assert check.ok, check.errors
    assert check.departement == departement
    assert check.warnings == []


def test_it_normalises_spaces_dots_and_case():
    assert finess_check(" 75 07 12 184 ").value == "750712184"
    assert finess_check("2a0000018").value == "2A0000018"


@pytest.mark.parametrize(
    "finess",
    ["", "75071218", "7507121845", "75071218X", "A50712184", "75-0712-18A", "2C0000018", "ABCDEFGHI"],
)
def test_it_refuses_bad_formats_with_a_french_message(finess):
    check = finess_check(finess)
    assert not check.ok
    assert "FINESS" in check.errors[0]


@pytest.mark.parametrize(
    ("finess", "fragment"),
    [
        ("200000017", "n'est pas un département"),  # old Corsica code 20 is no longer a département
        ("960000012", "n'est pas un département"),
        ("970000013", "n'est pas un département"),
        ("977000010", "n'est pas un département"),
        (with_luhn("97500000"), "Saint-Pierre-et-Miquelon"),  # 975 has no ARS
    ],
)
def test_it_refuses_unknown_departements(finess, fragment):
    check = finess_check(finess)
    assert not check.ok
    assert fragment in check.errors[0]


def test_a_bad_luhn_key_warns_but_does_not_refuse():
    check = finess_check("750712185")
    assert check.ok
    assert check.departement == "75"
    assert "clé de contrôle" in check.warnings[0]


def test_luhn_is_not_checked_on_corsican_numbers():
    assert finess_check("2A0000019").warnings == []


@given(st.text(alphabet=FINESS_CHARS + " -.", max_size=14))
def test_it_never_crashes_and_either_refuses_or_names_a_known_departement(raw):
    check = finess_check(raw)
    if check.ok:
        assert len(check.value) == 9
        assert check.departement in DEPARTEMENTS
        assert check.departement == finess_departement_code(check.value)
    else:
        assert check.errors and check.departement is None


@given(st.sampled_from(sorted(DEPARTEMENTS)), st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_known_departement_prefix_is_accepted(dep, digits):
    body = (dep + digits)[:8]
    finess = with_luhn(body) if body.isdigit() else body + "0"
    check = finess_check(finess)
    assert check.ok, check.errors
    assert check.departement == dep
    assert check.warnings == [] or not finess.isdigit()


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_with_luhn_completes_a_valid_key_and_a_changed_digit_breaks_it(prefix):
    full = with_luhn(prefix)
    assert luhn_valid(full)
    changed = full[:-1] + str((int(full[-1]) + 1) % 10)
    assert not luhn_valid(changed)
