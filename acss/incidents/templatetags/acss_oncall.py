"""``{% oncall_alerts declaration as alerts %}``: the on-call alerts of a declaration, for the cell's panel."""

from django import template

from acss.incidents.selectors.declarations import OncallAlertView, oncall_alert_list_for_declaration

register = template.Library()


@register.simple_tag
def oncall_alerts(declaration) -> list[OncallAlertView]:
    return oncall_alert_list_for_declaration(declaration=declaration)
