"""The PDF documents read nothing from outside what they are given: an address named in the HTML (a local file,
an internal service) goes to a fetcher that refuses it, and the document is still drawn."""

from __future__ import annotations

from unittest import mock

import pytest

from acss.core import pdf


def test_an_address_in_the_document_is_refused_and_the_document_still_drawn(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = (
        f'<html><head><link rel="stylesheet" href="file://{secret}"></head><body>'
        '<p>Rapport</p><img src="http://127.0.0.1:9/interne.png" alt=""></body></html>'
    )
    asked: list[str] = []
    refuse = pdf.refuse_fetch

    def recording(url, *args, **kwargs):
        asked.append(url)
        return refuse(url)

    with mock.patch.object(pdf, "refuse_fetch", recording):
        document = pdf.pdf_from_html(html, css_text="p { font-size: 10pt }")
    assert document.startswith(b"%PDF")
    assert f"file://{secret}" in asked and "http://127.0.0.1:9/interne.png" in asked


def test_the_fetcher_refuses_every_address():
    for url in ("file:///etc/passwd", "http://169.254.169.254/latest/meta-data/", "data:text/css,p{}"):
        with pytest.raises(pdf.FetchRefusedError):
            pdf.refuse_fetch(url)
