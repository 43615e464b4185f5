"""How readable the plain-language parts of an alert are, and the jargon they contain.

- **Score**: the Flesch reading ease adapted to French by Kandel and Moles (1958),
  ``207 − 1.015 × words per sentence − 73.6 × syllables per word``, computed by ``textstat`` with its French
  settings (``set_lang("fr")``: syllables by Pyphen's French hyphenation). textstat's French constants are exactly
  these (checked at import: ``KANDEL_MOLES_IN_TEXTSTAT``); were they ever to change, the score is computed here
  from textstat's own counts of words, sentences and syllables with the formula above. The cell aims at 60 or
  more (« facile » to « assez facile »), for « En bref », « Qui est concerné ? » and « Que faire ? » each and
  the three together.
- **Jargon**: the active ``GlossaryTerm`` rows found in those parts, as whole words, whatever the case and the
  accents (« Vulnerabilite zero-day » finds « vulnérabilité zero-day »), each with the plainer words to use.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from threading import Lock

import textstat
from django.utils.translation import gettext_lazy as _

from .models import GlossaryTerm

TARGET = 60.0
KANDEL_MOLES = {"fre_base": 207.0, "fre_sentence_length": 1.015, "fre_syll_per_word": 73.6}

try:  # textstat's own table of languages
    from textstat.backend.utils.constants import LANG_CONFIGS as _TEXTSTAT_LANGS

    KANDEL_MOLES_IN_TEXTSTAT = {k: float(v) for k, v in _TEXTSTAT_LANGS.get("fr", {}).items()} == KANDEL_MOLES
except ImportError:  # pragma: no cover - another textstat layout
    KANDEL_MOLES_IN_TEXTSTAT = False

_LOCK = Lock()  # textstat's language is a setting of the module: one reader at a time

PARTS = (
    ("summary", _("En bref")),
    ("who", _("Qui est concerné ?")),
    ("actions", _("Que faire ?")),
)


@dataclass
class Readability:
    label: str
    score: float | None  # None: no text
    words: int = 0
    sentences: int = 0
    syllables: int = 0

    @property
    def meets_target(self) -> bool:
        return self.score is not None and self.score >= TARGET

    @property
    def level(self) -> str:
        """The usual French reading of the score."""
        if self.score is None:
            return str(_("aucun texte"))
        for floor, name in ((90, _("très facile")), (80, _("facile")), (70, _("assez facile")), (60, _("standard"))):
            if self.score >= floor:
                return str(name)
        if self.score >= 50:
            return str(_("assez difficile"))
        if self.score >= 30:
            return str(_("difficile"))
        return str(_("très difficile"))


@dataclass
class JargonHit:
    term: str
    plain: str
    note: str
    parts: list[str] = field(default_factory=list)


@dataclass
class Report:
    parts: list[Readability]
    together: Readability
    jargon: list[JargonHit]

    @property
    def meets_target(self) -> bool:
        return self.together.meets_target and all(p.meets_target for p in self.parts if p.score is not None)


def flesch_kandel_moles(text: str) -> Readability:
    """The score of one text, with textstat's counts."""
    text = (text or "").strip()
    if not text:
        return Readability(label="", score=None)
    with _LOCK:
        textstat.set_lang("fr")
        words = textstat.lexicon_count(text)
        sentences = max(1, textstat.sentence_count(text))
        syllables = textstat.syllable_count(text)
        if KANDEL_MOLES_IN_TEXTSTAT:
            score = float(textstat.flesch_reading_ease(text))
        elif words:
            score = (
                KANDEL_MOLES["fre_base"]
                - KANDEL_MOLES["fre_sentence_length"] * words / sentences
                - KANDEL_MOLES["fre_syll_per_word"] * syllables / words
            )
        else:
            score = 0.0
    return Readability(label="", score=round(score, 1), words=words, sentences=sentences, syllables=syllables)


def fold(value: str) -> str:
    """Lower case, without accents (for matching the glossary)."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _pattern(term: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(fold(term)) + r"(?!\w)")


def jargon_in(texts: dict[str, str], terms: list[GlossaryTerm]) -> list[JargonHit]:
    """The glossary's terms found in ``texts`` ({label: text}), in the glossary's order."""
    folded = {label: fold(text) for label, text in texts.items()}
    hits = []
    for term in terms:
        pattern = _pattern(term.term)
        where = [label for label, text in folded.items() if pattern.search(text)]
        if where:
            hits.append(JargonHit(term=term.term, plain=term.plain, note=term.note, parts=where))
    return hits


def glossary_terms() -> list[GlossaryTerm]:
    return list(GlossaryTerm.objects.filter(active=True).order_by("term"))


def readability_report(*, summary: str, who: str, actions: str, terms: list[GlossaryTerm] | None = None) -> Report:
    """The scores of the three plain-language parts, separately and together, and their jargon."""
    values = {"summary": summary, "who": who, "actions": actions}
    parts = []
    for key, label in PARTS:
        part = flesch_kandel_moles(values[key])
        part.label = str(label)
        parts.append(part)
    together = flesch_kandel_moles("\n\n".join(v.strip() for v in values.values() if v and v.strip()))
    together.label = str(_("Les trois parties ensemble"))
    texts = {str(label): values[key] for key, label in PARTS}
    return Report(parts=parts, together=together, jargon=jargon_in(texts, glossary_terms() if terms is None else terms))
