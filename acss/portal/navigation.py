"""The main navigation, computed from who the person acts as (``actor_for``) and the page they are on.

The header template only draws what ``navigation_for`` returns: links and DSFR menus (a ``fr-nav__btn`` opening a
``fr-menu``). Exactly one link is current: the one naming the page's view, else the one owning its namespace;
a menu holding the current link is current too (``aria-current="true"`` on its button).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Union

from django.urls import reverse
from django.utils.translation import gettext as _

from acss.accounts.selectors import actor_for


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    views: frozenset[str] = frozenset()  # view names ("incidents:list") that make this link current
    namespaces: frozenset[str] = frozenset()  # else: any view of these namespaces
    current: bool = False
    is_menu = False


@dataclass(frozen=True)
class NavMenu:
    label: str
    key: str  # for the ids of the menu
    links: tuple[NavLink, ...]
    is_menu = True

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


NavItem = Union[NavLink, NavMenu]  # noqa: UP007 (a runtime alias)


def _link(label: str, view: str, *, also: tuple[str, ...] = (), namespaces: tuple[str, ...] = ()) -> NavLink:
    return NavLink(label, reverse(view), views=frozenset((view, *also)), namespaces=frozenset(namespaces))


def navigation_items(user) -> list[NavItem]:
    """What the person may go to, in order; nothing marked current."""
    actor = actor_for(user)
    items: list[NavItem] = [_link(_("Accueil"), "portal:home")]
    if user is not None and user.is_authenticated:
        items.append(_link(_("Mon espace"), "portal:dashboard", also=("accounts:structure_detail", "accounts:invite")))
        if actor.is_declarant:
            items.append(
                NavMenu(
                    _("Déclarer"),
                    "declarer",
                    (
                        _link(_("Envoyer une première alerte"), "incidents:quick_alert"),
                        _link(
                            _("Déclarer un incident"),
                            "incidents:start",
                            also=("incidents:draft_new", "incidents:draft_step"),
                        ),
                    ),
                )
            )
        items.append(_link(_("Déclarations"), "incidents:list", namespaces=("incidents",)))
        if actor.is_acss:
            items.append(
                NavMenu(
                    _("Cellule ACSS"),
                    "cellule",
                    (
                        _link(_("File des dossiers"), "incidents:queue"),
                        _link(_("Tableau régional"), "incidents:ars_board"),
                        _link(_("Veille"), "veille:list", namespaces=("veille",)),
                        _link(_("File de tri"), "veille:triage"),
                        _link(
                            _("Rédaction des alertes"),
                            "alerts:cell_list",
                            also=("alerts:cell_detail", "alerts:cell_edit", "alerts:cell_new", "alerts:concern_counts"),
                        ),
                        _link(_("Prestataires"), "providers:list", also=("providers:detail",)),
                        _link(_("Observatoire"), "observatory:cell", also=("observatory:publish",)),
                        _link(
                            _("Inscriptions à vérifier"),
                            "accounts:pending_structures",
                            also=("accounts:structure_decide", "accounts:access_request_decide"),
                        ),
                    ),
                )
            )
        elif actor.ars_region_codes:
            items.append(_link(_("Tableau régional"), "incidents:ars_board"))
            items.append(_link(_("Observatoire régional"), "observatory:ars", also=("observatory:ars_region",)))
    items.append(
        NavMenu(
            _("Alertes"),
            "alertes",
            (
                _link(_("Alertes de sécurité"), "alerts:alert_list", also=("alerts:alert_detail",)),
                _link(_("Actualités"), "alerts:news_list"),
                _link(_("Bulletin quotidien"), "alerts:bulletin_today", also=("alerts:bulletin_day",)),
                _link(
                    _("S'abonner"),
                    "subscriptions:subscribe",
                    also=("subscriptions:requested", "subscriptions:confirm", "subscriptions:unsubscribe"),
                ),
            ),
        )
    )
    items.append(
        _link(
            _("Observatoire"),
            "observatory:public",
            also=(
                "observatory:year",
                "observatory:report",
                "observatory:report_pdf",
                "observatory:indicators_csv",
                "observatory:indicators_xlsx",
                "observatory:open_data",
            ),
        )
    )
    items.append(
        _link(
            _("Fiches réflexes"),
            "reflexes:sheet_list",
            also=("reflexes:sheet_detail", "reflexes:sheet_versions", "reflexes:sheet_version", "reflexes:sheet_edit"),
        )
    )
    items.append(_link(_("Contact et urgence"), "core:contact"))
    return items


def _leaves(items: list[NavItem]) -> list[NavLink]:
    return [link for item in items for link in (item.links if isinstance(item, NavMenu) else (item,))]


def mark_current(items: list[NavItem], *, view_name: str | None, namespace: str | None) -> list[NavItem]:
    """The same items with the one link of this page current (none if the page is not in the navigation)."""
    leaves = _leaves(items)
    chosen = next((link for link in leaves if view_name and view_name in link.views), None)
    if chosen is None:
        chosen = next((link for link in leaves if namespace and namespace in link.namespaces), None)
    if chosen is None:
        return items

    def mark(link: NavLink) -> NavLink:
        return replace(link, current=True) if link is chosen else link

    return [
        replace(item, links=tuple(mark(link) for link in item.links)) if isinstance(item, NavMenu) else mark(item)
        for item in items
    ]


def navigation_for(request) -> list[NavItem]:
    match = getattr(request, "resolver_match", None)
    return mark_current(
        navigation_items(getattr(request, "user", None)),
        view_name=match.view_name if match else None,
        namespace=match.namespace if match else None,
    )
