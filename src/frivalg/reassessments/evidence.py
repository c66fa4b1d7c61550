"""A flag's evidence said in words, in the reader's language, e.g.
"Jan 132 % · Feb 128 % · Mar 141 % of granted time"."""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from frivalg.reassessments import rules
from frivalg.reassessments.models import Flag


def _month(value: str) -> str:
    return date_format(date.fromisoformat(f"{value}-01"), "M Y")


def evidence_text(flag: Flag) -> str:
    evidence = flag.evidence or {}
    if flag.kind in (rules.FLAG_TIME_ABOVE, rules.FLAG_TIME_BELOW):
        figures = " · ".join(f"{_month(m['month'])} {m['percent']} %" for m in evidence.get("months", []))
        return _("%(figures)s of granted time") % {"figures": figures}
    if flag.kind == rules.FLAG_MISSED_VISITS:
        days = ", ".join(date_format(date.fromisoformat(day), "SHORT_DATE_FORMAT") for day in evidence.get("days", {}))
        missed = int(evidence.get("missed", 0))
        return ngettext(
            "%(count)s missed visit in %(window)s days: %(days)s",
            "%(count)s missed visits in %(window)s days: %(days)s", missed,
        ) % {"count": missed, "window": evidence.get("window_days", ""), "days": days}
    if flag.kind == rules.FLAG_HOSPITAL_STAY:
        start = date_format(date.fromisoformat(evidence["start"]), "SHORT_DATE_FORMAT")
        if evidence.get("end"):
            end = date_format(date.fromisoformat(evidence["end"]), "SHORT_DATE_FORMAT")
            return _("In hospital from %(start)s to %(end)s (%(days)s days)") % {
                "start": start, "end": end, "days": evidence.get("days")}
        return _("In hospital since %(start)s") % {"start": start}
    return ""


def reason_label(reason: str) -> str:
    labels = {
        rules.REASON_STANDARD: _("Standard interval"),
        rules.REASON_REHABILITATION: _("A rehabilitation course ended"),
        rules.REASON_HOSPITAL: _("After a hospital stay"),
        rules.REASON_HIGH_CARE: _("High care level"),
        rules.REASON_MANUAL: _("Set by the assessor"),
    }
    return str(labels.get(reason, reason))
