"""The e-mails about declarations: ``{% completion_summary d as summary %}`` (``summary.rows``, ``summary.texts``)."""

from __future__ import annotations

from django import template

from acss.incidents.models import Declaration
from acss.incidents.summary import CompletionSummary
from acss.incidents.summary import completion_summary as summarise

register = template.Library()


@register.simple_tag
def completion_summary(declaration: Declaration) -> CompletionSummary:
    return summarise(declaration)
