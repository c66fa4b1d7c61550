"""Disputes on settlement lines: a provider's admin objects to a line of its own provider's run
with a comment; finance of the run's municipality answers and resolves it, optionally accepting
or rejecting the visit's payment at once (`line_override_set`, which the next computation of the
month applies; an approved run's lines never change)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from frivalg.core import roles
from frivalg.core.models import User
from frivalg.core.selectors import municipality_of, require
from frivalg.core.services import audit_record
from frivalg.providers.selectors import admin_provider_ids_of
from frivalg.settlements.models import DisputeStatus, LineDispute, OverrideAction, SettlementLine
from frivalg.settlements.services import line_override_set

MAX_COMMENT = 4000


def _text(value: str, field: str, message: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationError({field: message})
    if len(text) > MAX_COMMENT:
        raise ValidationError({field: _("Keep it under %(count)s characters.") % {"count": MAX_COMMENT}})
    return text


@transaction.atomic
def line_dispute_raise(*, actor: User, line: SettlementLine, comment: str) -> LineDispute:
    """A provider's admin disputes a line of its own provider's run (one open dispute per line)."""
    require(actor, roles.SETTLEMENT_VIEW_PROVIDER)
    run = line.run
    if run.provider_id not in admin_provider_ids_of(actor):
        raise PermissionDenied(_("Only the provider's administrators can dispute its settlement."))
    text = _text(comment, "comment", _("Say what is wrong with the line."))
    if LineDispute.objects.select_for_update().filter(line=line, status=DisputeStatus.OPEN).exists():
        raise ValidationError({"comment": _("This line is already disputed; finance has not answered yet.")})
    dispute = LineDispute.objects.create(line=line, raised_by=actor, comment=text)
    audit_record(
        actor=actor, municipality_id=run.municipality_id, action="line_dispute.raise", obj=dispute,
        payload={"run": str(run.public_id), "line": line.pk, "comment": text},
    )
    return dispute


@transaction.atomic
def line_dispute_resolve(
    *, actor: User, dispute: LineDispute, answer: str, action: str = ""
) -> LineDispute:
    """Finance answers an open dispute and resolves it; with `action` (accept or reject) the
    visit's payment is decided too, as `line_override_set` does."""
    require(actor, roles.SETTLEMENT_APPROVE)
    dispute = (LineDispute.objects.select_for_update(of=("self",))  # not the nullable visit of the join
               .select_related("line__run", "line__visit").get(pk=dispute.pk))
    run = dispute.line.run
    municipality = municipality_of(actor)
    if municipality is None or municipality.pk != run.municipality_id:
        raise PermissionDenied(_("This belongs to another municipality."))
    if dispute.status != DisputeStatus.OPEN:
        raise ValidationError({"answer": _("This dispute is already resolved.")})
    text = _text(answer, "answer", _("Give the answer to the provider."))
    if action:
        if action not in OverrideAction.values:
            raise ValidationError({"action": _("Choose accept or reject.")})
        if dispute.line.visit is None:
            raise ValidationError({"action": _("Only a visit's line can be accepted or rejected.")})
        line_override_set(actor=actor, visit=dispute.line.visit, action=action, reason=text)
    dispute.answer = text
    dispute.status = DisputeStatus.RESOLVED
    dispute.save(update_fields=["answer", "status", "updated_at"])
    audit_record(
        actor=actor, municipality_id=run.municipality_id, action="line_dispute.resolve", obj=dispute,
        payload={"run": str(run.public_id), "line": dispute.line_id, "answer": text, "override": action or None},
    )
    return dispute
