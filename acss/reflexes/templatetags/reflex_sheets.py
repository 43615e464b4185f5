from django import template
from django.utils.safestring import SafeString

from acss.reflexes.rendering import markdown_to_html
from acss.reflexes.selectors import CYBERMALVEILLANCE_URL

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """``{{ text|markdown }}``: Markdown rendered then sanitised (see acss/cases/rendering.py)."""
    return markdown_to_html(text or "")


@register.inclusion_tag("cases/partials/orientation.html")
def orientation_block(level: int = 2) -> dict:
    """The orientation of small and medico-social structures to cybermalveillance.gouv.fr.

    ``{% orientation_block level=3 %}`` sets the heading level to fit the page's outline.
    """
    return {"level": max(2, min(int(level), 6)), "cybermalveillance_url": CYBERMALVEILLANCE_URL}


@register.inclusion_tag("cases/partials/sheet_links.html", takes_context=True)
def reflex_sheet_links(context, sheets, level: int = 2) -> dict:
    """A list of reflex sheets (e.g. those returned by ``reflex_sheets_for_categories``) with links."""
    return {"sheets": sheets, "level": max(2, min(int(level), 6)), "request": context.get("request")}
