"""Markdown → safe HTML for reflex sheets (and any other Markdown written by ACSS).

Markdown is converted by ``markdown`` then sanitised by ``nh3`` with a short allow-list: no
``style``, no script, no event handler, no image; links keep only ``href``/``title`` and get
``rel="noopener noreferrer"``. Level-1 headings become level 2 (the page holds the only h1), and
tables are wrapped in the DSFR table container. The result is safe to mark as such.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions.toc import slugify

ANCHOR_PREFIX = "section-"

ALLOWED_TAGS = frozenset(
    {
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "p",
        "br",
        "hr",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "b",
        "i",
        "a",
        "code",
        "pre",
        "blockquote",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, **{h: {"id"} for h in _HEADINGS}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


@dataclass(frozen=True)
class RenderedMarkdown:
    html: SafeString
    # (anchor, heading text) of the sections (level 1 and 2 in the source), for a table of contents.
    sections: list[tuple[str, str]] = field(default_factory=list)


def _anchor(value: str, separator: str) -> str:
    return ANCHOR_PREFIX + slugify(value, separator)


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        # Only the anchors we generate: an author cannot clobber the page's own ids.
        return value if re.fullmatch(rf"{ANCHOR_PREFIX}[a-z0-9_-]+", value) else None
    if attribute == "start":
        return value if value.isdigit() else None
    return value


def sanitise_html(raw: str) -> str:
    clean = nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    clean = re.sub(r"<(/?)h1\b", r"<\1h2", clean)
    return clean.replace("<table>", '<div class="fr-table"><table>').replace("</table>", "</table></div>")


def _sections(tokens: list[dict]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for token in tokens:
        if token["level"] <= 2:
            found.append((token["id"], html.unescape(token["name"])))
        found.extend(_sections(token.get("children", [])))
    return found


@lru_cache(maxsize=128)
def _render(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    md = markdown.Markdown(
        extensions=["sane_lists", "tables", "toc"],
        extension_configs={"toc": {"slugify": _anchor}},
        output_format="html",
    )
    raw = md.convert(text or "")
    return sanitise_html(raw), tuple(_sections(md.toc_tokens))


def render_markdown(text: str) -> RenderedMarkdown:
    """The sanitised HTML of ``text`` and the list of its sections."""
    body, sections = _render(text or "")
    return RenderedMarkdown(html=mark_safe(body), sections=list(sections))  # noqa: S308 — sanitised by nh3 above


def markdown_to_html(text: str) -> SafeString:
    return render_markdown(text).html
