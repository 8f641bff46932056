"""PDF documents (payoff letters, escrow statements) rendered by WeasyPrint from templates."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template: str, context: dict) -> bytes:
    """Render ``template`` to HTML and then to PDF; static files resolve from the project."""
    from weasyprint import HTML  # imported here: WeasyPrint loads Pango on import

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
