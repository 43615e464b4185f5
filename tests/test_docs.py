"""The code and the docs stand alone: they name no tracker item and no file outside the repository, and the
architecture page lists every application as it is."""

import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("acss", "config", "docs", "templates", "bench", "scripts", "tests", "static/acss")
TOP_FILES = ("README.md", "pyproject.toml", "manage.py")
SUFFIXES = {".py", ".md", ".html", ".txt", ".toml", ".sh", ".css", ".js", ".cfg", ".ini", ".yml", ".yaml"}

# What points outside the repository: a tracker item, the team's own guides, the steering folder.
OUTSIDE = re.compile(
    r"(?ix)"
    r"\bissues?\s*\#?\d+"  # the word and a number: a tracker item
    r"|\#\d{1,4}\b(?=[^\n]*\b(?:issue|ticket|pr)\b)"
    r"|(?-i:\b(?:DOMAIN|DEVELOPERS|STACK|STYLE)\.md\b)"  # the team's guides, in capitals (docs/domain.md is ours)
    r"|\.\./shared\b|shared/docs|shared/seeds"
    r"|\bseed\s+0\d\d\b"
)


def _files():
    for top in TOP_FILES:
        yield ROOT / top
    for folder in CHECKED:
        base = ROOT / folder
        if not base.exists():
            continue
        for path in base.rglob("*"):
            if path.is_file() and path.suffix in SUFFIXES and "migrations" not in path.parts:
                yield path


def test_nothing_points_outside_the_repository():
    this = Path(__file__).resolve()
    found = []
    for path in _files():
        if path.resolve() == this:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "references outside the repository:\n" + "\n".join(found)


def test_the_pattern_catches_what_it_is_for():
    # Written in pieces, so that this file does not itself hold what it forbids.
    samples = ("issue" + " 4", "Issues #" + "12", "see " + "DOMAIN" + ".md §5", "../shared/data/cve5", "seed 001")
    for text in (*samples, "DEVELOPERS" + ".md"):
        assert OUTSIDE.search(text), text
    for text in (
        "tissue" + " 4",
        "an issue with the parser",
        "shared data folder",
        "ACSS-2026-000001",
        "docs/domain.md",
    ):
        assert not OUTSIDE.search(text), text


def test_architecture_lists_every_application():
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    ours = [config for config in apps.get_app_configs() if config.name.startswith("acss.")]
    assert ours
    missing = [c.name for c in ours if f"acss/{c.name.split('.', 1)[1].replace('.', '/')}/" not in architecture]
    assert not missing, f"docs/architecture.md does not describe: {missing}"
