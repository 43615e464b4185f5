"""The structure's calendar, shown to it: Alsace-Moselle's Good Friday and 26 December, not Paris's."""

from django.urls import reverse
from django.utils import timezone


def test_a_strasbourg_structure_is_shown_its_local_holidays(world):
    page = world.client("declarant_b").get(reverse("accounts:structure_detail", args=[world.structure_b.pk]))
    html = page.content.decode()
    assert "Vendredi saint" in html and "Saint-Étienne" in html
    assert html.count("férié local") == 2
    assert f"Jours fériés {timezone.localdate().year}" in html


def test_a_paris_structure_is_not(world):
    html = world.client("declarant_a").get(reverse("accounts:structure_detail", args=[world.structure_a.pk])).content
    assert "Vendredi saint" not in html.decode() and "férié local" not in html.decode()
