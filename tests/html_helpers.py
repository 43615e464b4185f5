"""Reading rendered pages in tests: a small tree walk over Django's own HTML parser (no extra package)."""

from __future__ import annotations

from collections.abc import Iterator

from django.test.html import Element, parse_html


def page_tree(html: str) -> Element:
    return parse_html(html)


def attr(element: Element, name: str) -> str | None:
    for key, value in element.attributes:
        if key == name:
            return value if value is not None else ""
    return None


def classes(element: Element) -> set[str]:
    return set((attr(element, "class") or "").split())


def elements(root: Element, tag: str | None = None, cls: str | None = None) -> Iterator[Element]:
    """Every descendant element (depth first) with that tag and class."""
    for child in root.children:
        if isinstance(child, Element):
            if (tag is None or child.name == tag) and (cls is None or cls in classes(child)):
                yield child
            yield from elements(child, tag, cls)


def children(element: Element) -> list[Element]:
    return [c for c in element.children if isinstance(c, Element)]


def text(element: Element | str) -> str:
    if isinstance(element, str):
        return element
    return " ".join(t for t in (text(c) for c in element.children) if t).strip()


def find_id(root: Element, element_id: str) -> Element | None:
    return next((e for e in elements(root) if attr(e, "id") == element_id), None)


def refusal_of(html: str) -> str:
    """The French refusal a 403 page gives (the lead paragraph of the DSFR error page)."""
    lead = next(elements(page_tree(html), "p", "fr-text--lead"), None)
    return text(lead) if lead is not None else ""
