"""PDF documents drawn from HTML with WeasyPrint, reading nothing but what they are given.

The HTML carries what people typed (a declaration, a filing) and is rendered on the server: WeasyPrint would
otherwise fetch any address it finds (``http://``, ``file://``), so an image or a stylesheet named in the document
could make the server read a local file or call an internal address. Its fetcher here refuses every address;
stylesheets are passed in as text or as files of the project, and charts are inline SVG.
"""

from __future__ import annotations

from weasyprint import CSS, HTML

try:  # WeasyPrint 68 and later: a fetcher is a URLFetcher; before, a function
    from weasyprint.urls import URLFetcher
except ImportError:  # pragma: no cover - older WeasyPrint
    URLFetcher = None


class FetchRefusedError(ValueError):
    """A document asked for an outside resource."""


def refuse_fetch(url: str, *args, **kwargs):
    raise FetchRefusedError(f"resource not fetched: {url[:200]}")


if URLFetcher is not None:

    class _RefusingFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            return refuse_fetch(url)

    def _fetcher():
        return _RefusingFetcher(fail_on_errors=False)

else:  # pragma: no cover - older WeasyPrint

    def _fetcher():
        return lambda url, *args, **kwargs: refuse_fetch(url)


def pdf_from_html(html: str, *, css_text: str = "", css_files: tuple[str, ...] = ()) -> bytes:
    """The PDF of ``html`` with the given stylesheets (text, or files read from disk by the project)."""
    fetcher = _fetcher()
    stylesheets = [CSS(string=css_text, url_fetcher=fetcher)] if css_text else []
    stylesheets += [CSS(filename=name, url_fetcher=fetcher) for name in css_files]
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=stylesheets)
