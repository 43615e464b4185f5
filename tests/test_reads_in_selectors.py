"""No query on an incident model outside the incidents' selectors and services.

Views, API views, forms, panels and templatetags call a selector (reads, built on the visibility filter) or a
service (writes); they never write ``<IncidentModel>.objects`` themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "acss"
PACKAGES = ("declarations", "cases")

INCIDENT_MODELS = (
    "Declaration",
    "DeclarationDraft",
    "Case",
    "Message",
    "Escalation",
    "EscalationSuggestion",
    "Notification",
    "Addendum",
    "SituationUpdate",
    "Attachment",
    "KeyedAction",
)
QUERY = re.compile(r"(?<![\w.])(?:" + "|".join(INCIDENT_MODELS) + r")\.objects\b")

# Where a query on an incident model may be written, with the reason.
ALLOWED_NAMES = {
    "access.py": "the access module: the visibility filter and the checks of an action rest on it",
    "handling.py": "the handling services (the writes of the cell on a case)",
    "tasks.py": "background tasks: they run without a person, after the action was allowed",
    "rules.py": "the business rules read the records they decide on (deadlines, references)",
    "demo.py": "the demonstration data it creates, not reachable by a request",
    "models.py": "the models themselves (managers, constraints, properties)",
}
ALLOWED_PREFIXES = {
    "selectors": "the reads (selectors*.py)",
    "services": "the writes (services*.py)",
}
ALLOWED_DIRECTORIES = {
    "migrations": "schema and data migrations",
}


def _allowed(path: Path) -> bool:
    if any(part in ALLOWED_DIRECTORIES for part in path.relative_to(ROOT).parts[:-1]):
        return True
    return path.name in ALLOWED_NAMES or any(path.name.startswith(prefix) for prefix in ALLOWED_PREFIXES)


def queries_in(source: str) -> list[tuple[int, str]]:
    """The lines of ``source`` that query an incident model (comments are not code)."""
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        code = line.split("#", 1)[0]
        if QUERY.search(code):
            found.append((number, line.strip()))
    return found


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_modules_are_found():
    names = {p.name for p in _modules()}
    assert {"api.py", "views.py", "queue.py", "oncall.py", "selectors.py"} <= names


def test_no_incident_query_outside_selectors_and_services():
    offending = [
        f"{path.relative_to(ROOT.parent)}:{number}: {line}"
        for path in _modules()
        if not _allowed(path)
        for number, line in queries_in(path.read_text(encoding="utf-8"))
    ]
    assert offending == [], "Move these into a selector or a service:\n" + "\n".join(offending)


@pytest.mark.parametrize(
    "source",
    [
        "case = Case.objects.get(declaration=declaration)",
        "    done = DeclarationDraft.objects.filter(key=key).first()",
        "qs = Prefetch('x', queryset=SituationUpdate.objects.order_by('id'))",
        "KeyedAction.objects.filter(idempotency_key=key).exists()",
    ],
)
def test_the_pattern_finds_a_planted_query(source):
    assert queries_in(source) == [(1, source.strip())]


@pytest.mark.parametrize(
    "source",
    [
        "# Case.objects.get() in a comment",
        "Organisation.objects.get(pk=1)",
        "CaseState.objects",
        "declaration.case.objects",
        "messages = message_list_visible(user=user, declaration=declaration)",
    ],
)
def test_the_pattern_ignores_what_is_not_an_incident_query(source):
    assert queries_in(source) == []


def test_a_planted_module_outside_the_allowed_list_is_refused():
    views = ROOT / "declarations" / "views.py"
    assert not _allowed(views)
    assert queries_in("x = Declaration.objects.all()\n") == [(1, "x = Declaration.objects.all()")]
    for allowed in ("selectors.py", "selectors_handling.py", "services.py", "handling.py", "access.py"):
        assert _allowed(ROOT / "cases" / allowed)
    assert _allowed(ROOT / "cases" / "migrations" / "0001_initial.py")
