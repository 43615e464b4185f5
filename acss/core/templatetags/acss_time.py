"""Show instants in a structure's local hour.

    {% load acss_time %}
    {{ decl.submitted_at|structure_local:decl.structure|date:"d/m/Y H:i" }} ({{ decl.submitted_at|tz_label:decl.structure }})
    {{ at|in_tz:"Indian/Reunion"|date:"d/m/Y H:i" }}
    {{ decl.submitted_at|long_local:decl.structure }}  → 30 novembre 2026 à 08 h 10, heure de Paris (UTC+1)

The zone argument may be a structure (``.departement.timezone``), a département (``.timezone``), a
``ZoneInfo`` or a zone name (``acss.core.calendars.zone_of``, the one definition of a structure's zone);
anything else falls back to Europe/Paris. Like Django's ``timezone`` filter,
a value that is not a datetime gives "" and a naive datetime is taken in the default time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone

from acss.core.calendars import zone_of

register = template.Library()

# French place names for the zones of the départements (acss.core.referential.TIMEZONES).
ZONE_LABELS: dict[str, str] = {
    "Europe/Paris": "Paris",
    "America/Guadeloupe": "Guadeloupe",
    "America/Martinique": "Martinique",
    "America/Cayenne": "Guyane",
    "Indian/Reunion": "La Réunion",
    "Indian/Mayotte": "Mayotte",
    "America/Miquelon": "Saint-Pierre-et-Miquelon",
}


class LocalDatetime(datetime):
    """A datetime the template engine must show as it is, not in the active time zone.

    Django converts aware datetimes to the current time zone before rendering them or passing them to
    filters such as ``date`` unless they carry ``convert_to_local_time = False`` (as its own ``timezone``
    filter does); a plain datetime can't take that attribute, hence this subclass.
    """

    convert_to_local_time = False


def _pinned(dt: datetime) -> LocalDatetime:
    return LocalDatetime(
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond, dt.tzinfo, fold=dt.fold
    )


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def format_offset(offset: timedelta) -> str:
    """UTC+1, UTC−4 (typographic minus), UTC+5:30, UTC."""
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


@register.filter
def in_tz(value: Any, zone: Any) -> datetime | str:
    """``value`` in the given zone (a zone name or anything :func:`zone_of` accepts), shown as such by ``date``."""
    dt = _aware(value)
    return _pinned(dt.astimezone(zone_of(zone))) if dt is not None else ""


@register.filter
def structure_local(value: Any, structure: Any) -> datetime | str:
    """``value`` in the structure's local time zone."""
    return in_tz(value, structure)


@register.filter
def tz_label(value: Any, structure: Any) -> str:
    """Short French label of the structure's hour at that instant: "heure de La Réunion (UTC+4)"."""
    dt = _aware(value)
    if dt is None:
        return ""
    zone = zone_of(structure)
    offset = dt.astimezone(zone).utcoffset() or timedelta(0)
    place = ZONE_LABELS.get(zone.key, zone.key.rsplit("/", 1)[-1].replace("_", " "))
    return f"heure de {place} ({format_offset(offset)})"


@register.filter
def long_local(value: Any, structure: Any) -> str:
    """The instant in words in the structure's local time, with the zone: « 30 novembre 2026 à 8 h 10 (heure de
    Paris, UTC+1) ». The same words as the e-mails (``acss.core.french.date_en_toutes_lettres``), without the
    weekday; "" if not a datetime."""
    from acss.core.french import date_en_toutes_lettres

    dt = _aware(value)
    return date_en_toutes_lettres(dt, structure, weekday=False) if dt is not None else ""


@register.filter
def heure(value: Any) -> str:
    """A time of day in French administrative style: "9 h", "17 h 30"."""
    if not hasattr(value, "hour"):
        return ""
    return f"{value.hour} h" + (f" {value.minute:02d}" if value.minute else "")
