"""No query on an incident model outside the incidents' selectors and services.

Views, API views, forms, panels, templatetags and background tasks call a selector (reads, built on the visibility
filter) or a service (writes); they never write ``<IncidentModel>.objects`` themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "acss"
INCIDENTS = ROOT / "incidents"

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
    "RegulatoryFiling",
    "RegulatoryFilingVersion",
)
QUERY = re.compile(r"(?<![\w.])(?:" + "|".join(INCIDENT_MODELS) + r")\.objects\b")

# Where, in the incidents application, a query on an incident model may be written, with the reason. Anywhere
# else in acss/ (the other applications included) it may not.
ALLOWED = {
    "selectors": "the reads",
    "services": "the writes",
    "access.py": "the access module: the visibility filter and the checks of an action rest on it",
    "models": "the models themselves (managers, constraints, properties)",
    "migrations": "schema and data migrations",
    "former": "the migration history of the former applications",
}


def _allowed(path: Path) -> bool:
    if not path.is_relative_to(INCIDENTS):
        return False
    return path.relative_to(INCIDENTS).parts[0] in ALLOWED


def queries_in(source: str) -> list[tuple[int, str]]:
    """The lines of ``source`` that query an incident model (comments are not code)."""
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        code = line.split("#", 1)[0]
        if QUERY.search(code):
            found.append((number, line.strip()))
    return found


def _modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def test_the_modules_are_found():
    found = {p.relative_to(ROOT).as_posix() for p in _modules()}
    assert {
        "incidents/api/cases.py",
        "incidents/views/declarations.py",
        "incidents/queue.py",
        "incidents/oncall.py",
        "incidents/selectors/declarations.py",
        "veille/views.py",
        "portal/views.py",
    } <= found


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
    assert not _allowed(INCIDENTS / "views" / "declarations.py")
    assert not _allowed(INCIDENTS / "api" / "cases.py")
    assert not _allowed(ROOT / "veille" / "selectors.py")  # another application reads through the incidents' selectors
    assert queries_in("x = Declaration.objects.all()\n") == [(1, "x = Declaration.objects.all()")]
    assert not _allowed(INCIDENTS / "tasks" / "notifications.py")  # a task calls a service
    assert not _allowed(INCIDENTS / "rules.py")
    for allowed in ("selectors/cases.py", "services/declarations.py", "services/notifications.py", "access.py"):
        assert _allowed(INCIDENTS / allowed)
    assert _allowed(INCIDENTS / "migrations" / "0001_initial.py")
