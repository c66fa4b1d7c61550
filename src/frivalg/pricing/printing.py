"""A price sheet as a stand-alone HTML document and as PDF (WeasyPrint), for the public page and
the command line alike."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import get_language


def sheet_html(sheet: dict[str, Any], *, version: int | None = None, valid_from: str = "") -> str:
    """`sheet` is the calculation as `rules.sheet_to_dict` gives it (or a published sheet's content)."""
    return render_to_string("pricing/sheet_document.html", {
        "sheet": sheet, "version": version, "valid_from": valid_from, "language": get_language() or "en",
    })


def sheet_pdf(sheet: dict[str, Any], *, version: int | None = None, valid_from: str = "") -> bytes:
    from weasyprint import HTML  # imported when used: it loads Pango and fonts

    pdf: bytes = HTML(string=sheet_html(sheet, version=version, valid_from=valid_from)).write_pdf()
    return pdf
