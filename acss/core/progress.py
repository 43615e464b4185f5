"""What the import commands show in a terminal: a progress bar on stderr (gone when done, so the summary on
stdout stays readable) and counts grouped by thousands as a French reader writes them (« 1 109 »)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def grouped(value: int) -> str:
    """« 1 109 », « 1 000 000 »."""
    return f"{value:,}".replace(",", " ")


def import_progress(*, with_source: bool = False) -> Progress:
    """The bar « Import ━━━━ 12/40 0:00:03 », and the item being read when ``with_source`` (a task field
    ``source``)."""
    columns = [TextColumn("Import"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    if with_source:
        columns.append(TextColumn("{task.fields[source]}", style="dim"))
    return Progress(*columns, console=Console(stderr=True), transient=True)
