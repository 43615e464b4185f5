"""``{% oncall_alerts declaration as alerts %}``: the on-call alerts of a declaration, for the cell's panel."""

from django import template

from acss.declarations.oncall import OncallAlertView, oncall_alerts_for

register = template.Library()


@register.simple_tag
def oncall_alerts(declaration) -> list[OncallAlertView]:
    return oncall_alerts_for(declaration)
