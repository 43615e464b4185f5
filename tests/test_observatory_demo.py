"""The demonstration loads last year's past declarations and publishes that year: a new user opens the public
page of the demo year and its PDF."""

from __future__ import annotations

import time

from django.urls import reverse

from acss.observatory.models import PublishedYear
from acss.portal.demo import load_demo


def test_the_demo_publishes_last_year_and_its_pdf_opens(db, client):
    started = time.monotonic()
    load_demo()
    elapsed = time.monotonic() - started
    published = PublishedYear.objects.get()
    assert published.version == 1
    assert published.figures["indicators"]["declarations"] == 300
    page = client.get(reverse("observatory:public"))
    assert page.status_code == 200
    assert f"{published.year} en bref" in page.content.decode()
    pdf = client.get(reverse("observatory:report_pdf", args=[published.year]))
    assert pdf.content.startswith(b"%PDF")
    # A second load changes nothing.
    load_demo()
    assert PublishedYear.objects.count() == 1
    print(f"load_demo with the observatory: {elapsed:.1f} s")
