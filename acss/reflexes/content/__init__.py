"""Reflex sheets shipped with the code, loaded by data migrations as version 1.

Each sheet is a Markdown file in ``reflex_sheets/`` with a small front matter::

    ---
    title: Rançongiciel (cryptovirus)
    summary: Quand ouvrir cette fiche.
    categories: rancongiciel, autre-code
    position: 10
    ---
    ## Les premiers gestes (dans l'heure)
    …

Once loaded, a sheet belongs to ACSS, which revises it on the platform: ``load_reflex_sheets``
never overwrites an edited sheet. To ship new text for a sheet, edit its file and add a migration
that calls ``load_reflex_sheets(apps, revise=True)``: a sheet whose file differs from its current
version gets a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "reflex_sheets"
INITIAL_NOTE = "Version initiale rédigée par la cellule ACSS."
SHIPPED_NOTE = "Mise à jour livrée avec l'application."


@dataclass(frozen=True)
class SheetSource:
    slug: str
    title: str
    summary: str
    categories: tuple[str, ...]
    position: int
    body: str


def parse_sheet(path: Path) -> SheetSource:
    """Read one Markdown file with its ``---`` front matter of ``key: value`` lines."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError(f"{path.name}: front matter missing")
    head, _, body = text[4:].partition("\n---\n")
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if line.strip():
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"{path.name}: bad front matter line {line!r}")
            meta[key.strip()] = value.strip()
    missing = {"title", "summary", "categories", "position"} - meta.keys()
    if missing:
        raise ValueError(f"{path.name}: front matter lacks {sorted(missing)}")
    return SheetSource(
        slug=path.stem,
        title=meta["title"],
        summary=meta["summary"],
        categories=tuple(c.strip() for c in meta["categories"].split(",") if c.strip()),
        position=int(meta["position"]),
        body=body.strip() + "\n",
    )


def sheet_sources() -> list[SheetSource]:
    return sorted((parse_sheet(p) for p in CONTENT_DIR.glob("*.md")), key=lambda s: (s.position, s.slug))


def load_reflex_sheets(apps, *, revise: bool = False, label: str = "reflexes") -> None:
    """Create missing sheets with their version 1 (idempotent); used by data migrations (``label``: the
    application holding the sheets in that migration's state — ``cases`` before they had their own).

    An existing sheet keeps its title, summary, typologies and text as ACSS left them; with
    ``revise=True`` a sheet whose file differs from its current version gets a new version.
    """
    ReflexSheet = apps.get_model(label, "ReflexSheet")
    ReflexSheetVersion = apps.get_model(label, "ReflexSheetVersion")
    IncidentCategory = apps.get_model("core", "IncidentCategory")
    for source in sheet_sources():
        sheet, created = ReflexSheet.objects.get_or_create(
            slug=source.slug,
            defaults={"title": source.title, "summary": source.summary, "position": source.position},
        )
        if created:
            categories = list(IncidentCategory.objects.filter(code__in=source.categories))
            unknown = set(source.categories) - {c.code for c in categories}
            if unknown:
                raise ValueError(f"{source.slug}: unknown incident categories {sorted(unknown)}")
            sheet.categories.set(categories)
        current = ReflexSheetVersion.objects.filter(sheet=sheet).order_by("-number").first()
        if current is None:
            ReflexSheetVersion.objects.create(sheet=sheet, number=1, body=source.body, change_note=INITIAL_NOTE)
        elif revise and current.body.strip() != source.body.strip():
            ReflexSheetVersion.objects.create(
                sheet=sheet, number=current.number + 1, body=source.body, change_note=SHIPPED_NOTE
            )
