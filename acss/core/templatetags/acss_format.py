"""Numbers with their unit, as ``acss.core.formats`` words them.

{% load acss_format %}
{{ attachment.size|file_size }}  {{ declaration.patients_count|patients }}  {{ hours|hours }}
"""

from __future__ import annotations

from django import template

from acss.core import formats

register = template.Library()

register.filter("file_size", formats.file_size)
register.filter("patients", formats.patients)
register.filter("hours", formats.hours)
