"""The award letter: to each bidder its own scores per criterion and the winner's (staff see every
bid's), the total under the published model, the reasons, the end of the standstill period and
how to complain — the Complaints Board for Public Procurement (Klagenævnet for Udbud) in Denmark,
the administrative court (förvaltningsrätten) in Sweden, KOFA in Norway — in the municipality's
language, as a page and as a PDF (WeasyPrint). Figures are rounded half up to 2 decimals for
the letter only; the ranking was made on full precision."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from frivalg.core.selectors import AnyUser
from frivalg.tenders import rules
from frivalg.tenders.models import Award
from frivalg.tenders.selectors import award_letter_data


def excluded_text(code: str | None) -> str:
    """Why a bid was not evaluated on price, in words (tenders.rules' EXCLUDED_* codes)."""
    if not code:
        return ""
    if code.startswith(rules.EXCLUDED_QUALITY_CRITERION):
        return _("Below the minimum quality on criterion %(code)s") % {"code": code.partition(":")[2]}
    return {
        rules.EXCLUDED_QUALITY_OVERALL: _("Below the minimum share of all quality points"),
        rules.EXCLUDED_GRADES_MISSING: _("Grades are missing"),
        rules.EXCLUDED_QUALITY_ZERO: _("No quality points"),
    }.get(code, code)


def letter_context(*, actor: AnyUser, award: Award) -> dict[str, Any]:
    """What the letter shows to `actor` (award_letter_data decides which bids it may see; it
    raises PermissionDenied for anyone else and while the bids are sealed)."""
    data = award_letter_data(actor=actor, award=award)
    municipality = award.tender.municipality
    for row in data["bids"] + data["winners"] + data["own"]:
        row["excluded_text"] = excluded_text(row["excluded"])
    shown = data["bids"]
    data["score_rows"] = [
        {"code": leaf.code, "name": leaf.name, "scale_max": leaf.scale_max,
         "grades": [row["criteria"][index]["grade"] for row in shown]}
        for index, leaf in enumerate(data["criteria"])
    ]
    data.update({
        "lang": municipality.language,
        "country": municipality.country,
        "currency": municipality.currency,
        "letter_date": timezone.localdate(award.decided_at, ZoneInfo(municipality.time_zone)),
        "rounding": rules.ROUNDING,
        "points_model": data["model"] in rules.POINTS_MODELS,
        "money_model": data["model"] == rules.MONETISED,
    })
    return data


def letter_pdf(*, actor: AnyUser, award: Award) -> bytes:
    """The letter as a PDF in the municipality's language."""
    from weasyprint import HTML  # imported when used: it loads Pango and fonts

    context = letter_context(actor=actor, award=award)
    with translation.override(context["lang"]):
        html = render_to_string("tenders/award_letter_document.html", context)
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def letter_file_name(award: Award) -> str:
    return f"award-{award.tender.reference}-lot-{award.lot.number}.pdf".replace("/", "-")
