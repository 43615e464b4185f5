"""« Mon espace »: the panels and shortcuts each application provides, in the order the page shows them.

The portal queries no model: every provider belongs to its application, decides whether it concerns the person
and reads through that application's selectors. A new application adds its provider here.
"""

from __future__ import annotations

from acss.accompaniment.panels import plan_actions_panel
from acss.accounts.panels import memberships_panel, pending_registrations_shortcut
from acss.alerts.panels import alert_concerns_panel
from acss.core.panels import Panel, PanelProvider, Shortcut, ShortcutProvider
from acss.incidents.panels import assigned_cases_panel, declarations_shortcut, questions_panel
from acss.subscriptions.panels import subscriptions_shortcut

PANELS: tuple[PanelProvider, ...] = (
    questions_panel,  # people of a structure: the questions awaiting their answer
    alert_concerns_panel,  # people of a structure: the published alerts on their inventories' products
    assigned_cases_panel,  # the cell: the cases assigned to the analyst
    plan_actions_panel,  # a structure's people: their open plan actions; the cell: the overdue ones
    memberships_panel,  # everyone: the organisations they belong to
)

SHORTCUTS: tuple[ShortcutProvider, ...] = (
    declarations_shortcut,
    pending_registrations_shortcut,  # the cell
    subscriptions_shortcut,  # everyone: what they receive by e-mail
)


def panels_for(user) -> list[Panel]:
    return [panel for provider in PANELS if (panel := provider(user)) is not None]


def shortcuts_for(user) -> list[Shortcut]:
    return [shortcut for provider in SHORTCUTS if (shortcut := provider(user)) is not None]
