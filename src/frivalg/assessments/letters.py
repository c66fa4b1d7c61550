"""The decision letter: what is granted, why, from when, how to choose and how to appeal, in
plain language and in the citizen's language, as a page and as a PDF (WeasyPrint)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from frivalg.assessments.models import Decision, Flexibility
from frivalg.assessments.rules import APPEAL_WEEKS
from frivalg.assessments.services import appeal_deadline, letter_date


def letter_context(decision: Decision) -> dict[str, Any]:
    return {
        "decision": decision, "citizen": decision.citizen, "municipality": decision.municipality,
        "letter_date": letter_date(decision), "appeal_deadline": appeal_deadline(decision),
        "appeal_weeks": APPEAL_WEEKS[decision.municipality.country],
        "monthly_budget": decision.flexibility == Flexibility.MONTHLY_BUDGET,
        "lang": decision.citizen.language,
    }


def letter_pdf(decision: Decision) -> bytes:
    """The letter as a PDF in the citizen's language. The caller has checked access."""
    from weasyprint import HTML  # imported when used: it loads Pango and fonts

    with translation.override(decision.citizen.language):
        html = render_to_string("assessments/decision_letter_document.html", letter_context(decision))
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def letter_file_name(decision: Decision) -> str:
    return f"decision-{decision.public_id}-v{decision.version}.pdf"
