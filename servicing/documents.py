"""PDF documents (payoff letters, escrow statements) rendered by WeasyPrint from templates."""

from __future__ import annotations

import threading

from django.conf import settings
from django.template.loader import render_to_string

_local = threading.local()


def _url_fetcher():
    """One fetcher a thread, kept: WeasyPrint's default builds a new one (with an SSL
    context) for every document. Local files and data URLs only: documents are rendered
    offline, from the project's static files."""
    fetcher = getattr(_local, "fetcher", None)
    if fetcher is None:
        from weasyprint.urls import URLFetcher

        fetcher = _local.fetcher = URLFetcher(allowed_protocols={"file", "data"})
    return fetcher


def render_pdf(template: str, context: dict) -> bytes:
    """Render ``template`` to HTML and then to PDF; static files resolve from the project."""
    from weasyprint import HTML  # imported here: WeasyPrint loads Pango on import

    html = render_to_string(template, context)
    return HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=_url_fetcher()
    ).write_pdf()
