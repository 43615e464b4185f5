"""RSS 2.0 and Atom 1.0 feeds of the published alerts (django.contrib.syndication).

Links are absolute on ``settings.SITE_URL`` (not the request's host); an item's update date is its last
revision's date, else its publication.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from acss.alerts.models import Alert
from acss.alerts.selectors.public import alert_feed_items


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


class AlertRssFeed(Feed):
    feed_type = Rss201rev2Feed
    language = "fr"

    def title(self) -> str:
        return _("Alertes de sécurité de la cellule ACSS")

    def description(self) -> str:
        return _("Les alertes de sécurité publiées par la cellule ACSS pour les structures de santé.")

    subtitle = description

    def link(self) -> str:
        return _absolute(reverse("alerts:alert_list"))

    def feed_url(self) -> str:
        return _absolute(reverse("alerts:feed_rss"))

    def items(self):
        return alert_feed_items()

    def item_title(self, item: Alert) -> str:
        return f"{item.reference} — {item.title} ({item.get_severity_display()})"

    def item_description(self, item: Alert) -> str:
        return item.summary or item.title

    def item_link(self, item: Alert) -> str:
        return _absolute(reverse("alerts:alert_detail", args=[item.reference]))

    def item_guid(self, item: Alert) -> str:
        return self.item_link(item)

    item_guid_is_permalink = True

    def item_pubdate(self, item: Alert):
        return item.published_at

    def item_updateddate(self, item: Alert):
        return getattr(item, "last_revision_at", None) or item.updated_at or item.published_at

    def item_categories(self, item: Alert) -> list[str]:
        return [str(item.get_severity_display()), *[str(c) for c in (item.cves or []) if isinstance(c, str)]]


class AlertAtomFeed(AlertRssFeed):
    feed_type = Atom1Feed

    def feed_url(self) -> str:
        return _absolute(reverse("alerts:feed_atom"))
