"""Who may read and who may do what to an incident is decided in one module, ``acss/incidents/access.py``.

Nowhere else in the incidents application does code test a person's place (the cell, an ARS's regions, an
authority, the structures they act for), and no template tests it either: views, selectors, services and
templates ask the access module (``allowed_actions``, ``reads_handling``, ``visibility_q``…) or receive what it
answered.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INCIDENTS = ROOT / "acss" / "incidents"
TEMPLATES = ROOT / "templates"

PLACE = r"(?:is_acss|is_declarant|is_staff|is_superuser|ars_region_codes|authority_ids|systematic_authority|structure_ids|sees_all_declarations)"
# An actor's place read in Python: ``actor.is_acss``, ``actor_for(user).structure_ids``, ``request.user.is_staff``.
PYTHON = re.compile(rf"\b(?:actor|actor_for\([^)]*\)|user|request\.user)\.{PLACE}\b")
# A template deciding on a person's place: ``{% if user.is_staff %}``, ``{% if perms.x %}``, ``{% if is_acss %}``.
TEMPLATE = re.compile(rf"{{%\s*(?:if|elif)\b[^%]*\b(?:{PLACE}|perms\.)")

# Where, outside the access module, an actor's place may be read, and why.
ALLOWED = {
    "api/declarations.py": "MeAPI describes who the person is (their structures, regions, the cell); it decides nothing",
}


def python_offences(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        code = line.split("#", 1)[0]
        if PYTHON.search(code):
            found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def template_offences(path: Path) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if TEMPLATE.search(line)
    ]


def _incident_modules() -> list[Path]:
    skipped = {"migrations", "former"}
    return sorted(
        p
        for p in INCIDENTS.rglob("*.py")
        if p.name != "access.py" or p.parent != INCIDENTS
        if not skipped & set(p.relative_to(INCIDENTS).parts)
    )


def test_the_modules_and_templates_are_found():
    modules = {p.relative_to(INCIDENTS).as_posix() for p in _incident_modules()}
    assert {"views/declarations.py", "views/cases.py", "api/cases.py", "selectors/cases.py", "queue.py"} <= modules
    assert "access.py" not in modules
    assert (TEMPLATES / "cases" / "_handling.html") in set(TEMPLATES.rglob("*.html"))


def test_no_place_is_tested_outside_the_access_module():
    offending = [
        offence
        for path in _incident_modules()
        if path.relative_to(INCIDENTS).as_posix() not in ALLOWED
        for offence in python_offences(path)
    ]
    assert offending == [], "Ask acss/incidents/access.py instead:\n" + "\n".join(offending)


def test_no_template_tests_a_place():
    offending = [offence for path in sorted(TEMPLATES.rglob("*.html")) for offence in template_offences(path)]
    assert offending == [], "Hand the template what acss/incidents/access.py answered:\n" + "\n".join(offending)


@pytest.mark.parametrize(
    "code",
    [
        "    if actor.is_acss:",
        "    shown = declaration.notifications.all() if actor_for(request.user).is_acss else []",
        "    if declaration.structure_id in actor.structure_ids:",
        "    if request.user.is_staff:",
    ],
)
def test_the_python_pattern_finds_a_planted_test(code):
    assert PYTHON.search(code), code


@pytest.mark.parametrize(
    "line",
    ["{% if user.is_staff %}", "{% elif is_acss %}", "{% if perms.incidents.view_case %}", "{%if actor.is_declarant%}"],
)
def test_the_template_pattern_finds_a_planted_test(line):
    assert TEMPLATE.search(line), line


@pytest.mark.parametrize(
    "code",
    [
        "    if access.is_cell(user):",
        '    if "qualify" in handling.actions:',
        "    is_acss=access.is_cell(actor),",
        "{% if reads_handling %}",
        "{% if 'qualify' in handling.actions %}",
    ],
)
def test_the_patterns_let_the_access_module_answers_through(code):
    assert not PYTHON.search(code) and not TEMPLATE.search(code)
