"""The daily bulletin: what the watch published on one day (Europe/Paris), as a page and as a plain-text e-mail.

``bulletin_for(day)`` gathers the alerts first published that day, those updated (or withdrawn) that day, and the
news of that day; ``None`` when there is nothing. ``bulletin_email(bulletin)`` gives the subject and the French
text body; sending it is the subscriptions' business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from acss.alerts.models import Alert, AlertState
from acss.alerts.selectors.public import alerts_of_period, news_of_period
from acss.veille.models import NewsItem

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Bulletin:
    day: date
    published: list[Alert] = field(default_factory=list)
    updated: list[Alert] = field(default_factory=list)
    news: list[NewsItem] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.published or self.updated or self.news)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The start of ``day`` and of the next one in Paris (23 or 25 hours on the days the clocks change)."""
    return datetime.combine(day, time(0), PARIS), datetime.combine(day + timedelta(days=1), time(0), PARIS)


def bulletin_for(day: date) -> Bulletin | None:
    start, end = day_bounds(day)
    published, updated = alerts_of_period(start=start, end=end)
    bulletin = Bulletin(day=day, published=published, updated=updated, news=news_of_period(start=start, end=end))
    return None if bulletin.is_empty else bulletin


def day_label(day: date) -> str:
    with translation.override("fr"):
        text = dateformat.format(day, "l j F Y")
    return text.replace(" 1 ", " 1er ", 1)


def update_note(alert: Alert, start: datetime, end: datetime) -> str:
    """What changed on the alert that day: its withdrawal, else the notes of that day's revisions."""
    if alert.state == AlertState.WITHDRAWN and alert.withdrawn_at and start <= alert.withdrawn_at < end:
        return _("Alerte retirée : %(reason)s") % {"reason": alert.withdrawn_reason}
    notes = [r.change_note for r in alert.revisions.all() if start <= r.published_at < end and r.change_note]
    return " ; ".join(notes)


def _url(name: str, *args) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=args)}"


def bulletin_email(bulletin: Bulletin) -> tuple[str, str]:
    """(subject, body) in plain French text, whatever the language of the request that asks."""
    with translation.override("fr"):
        return _bulletin_email(bulletin)


def _bulletin_email(bulletin: Bulletin) -> tuple[str, str]:
    start, end = day_bounds(bulletin.day)
    label = day_label(bulletin.day)
    count = len(bulletin.published) + len(bulletin.updated)
    subject = _("Bulletin de veille ACSS du %(day)s") % {"day": label}
    if count:
        subject += " : " + ngettext("%(n)d alerte", "%(n)d alertes", count) % {"n": count}
    lines = [_("Bulletin de veille de la cellule ACSS du %(day)s.") % {"day": label}, ""]
    if bulletin.published:
        lines += [_("NOUVELLES ALERTES"), ""]
        for alert in bulletin.published:
            severity = _("Gravité : %(severity)s") % {"severity": alert.get_severity_display()}
            if alert.exploited:
                severity += " ; " + _("exploitée activement")
            lines += [f"- {alert.reference} — {alert.title}", f"  {severity}"]
            if alert.summary.strip():
                lines.append("  " + _("En bref : %(text)s") % {"text": alert.summary.strip()})
            lines += [f"  {_url('alerts:alert_detail', alert.reference)}", ""]
    if bulletin.updated:
        lines += [_("ALERTES MISES À JOUR"), ""]
        for alert in bulletin.updated:
            lines.append(f"- {alert.reference} — {alert.title}")
            note = update_note(alert, start, end)
            if note:
                lines.append(f"  {note}")
            lines += [f"  {_url('alerts:alert_detail', alert.reference)}", ""]
    if bulletin.news:
        lines += [_("ACTUALITÉS"), ""]
        for item in bulletin.news:
            lines.append(f"- {item.title}")
            if item.link:
                lines.append(f"  {item.link}")
        lines.append("")
    lines += [
        _("Ce bulletin en ligne : %(url)s") % {"url": _url("alerts:bulletin_day", bulletin.day.isoformat())},
        _("Toutes les alertes : %(url)s") % {"url": _url("alerts:alert_list")},
    ]
    return subject, "\n".join(lines) + "\n"
