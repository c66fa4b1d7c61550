"""Reads of the service guidelines, scoped to the actor: managers see every version of their
municipality (drafts too), needs assessors the published ones; the published guidelines are
also public (political decisions), by municipality code."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from frivalg.assessments.models import Assessment, AssessmentStatus
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.selectors import AnyUser, has_permission, is_municipal_staff
from frivalg.guidelines import rules
from frivalg.guidelines.models import Guideline, GuidelineRule, GuidelineStatus


def _with_rules(queryset: QuerySet[Guideline]) -> QuerySet[Guideline]:
    return queryset.select_related("municipality", "published_by").prefetch_related(
        Prefetch("rules", queryset=GuidelineRule.objects.select_related("service").order_by("order", "id"))
    )


def guidelines_for(*, actor: AnyUser) -> QuerySet[Guideline]:
    """Managers: every version of their municipality. Assessors: the published versions."""
    if not isinstance(actor, User) or actor.municipality_id is None:
        return Guideline.objects.none()
    own = Guideline.objects.filter(municipality_id=actor.municipality_id)
    if has_permission(actor, roles.GUIDELINE_MANAGE):
        return _with_rules(own)
    if has_permission(actor, roles.ASSESSMENT_RECORD):
        return _with_rules(own.filter(status=GuidelineStatus.PUBLISHED))
    return Guideline.objects.none()


def guideline_get(*, actor: AnyUser, public_id: UUID | str) -> Guideline:
    return guidelines_for(actor=actor).get(public_id=public_id)


def guideline_rule_get(*, actor: AnyUser, guideline: Guideline, public_id: UUID | str) -> GuidelineRule:
    visible = guidelines_for(actor=actor).filter(pk=guideline.pk)
    return GuidelineRule.objects.select_related("guideline", "service").get(
        guideline__in=visible, public_id=public_id)


def public_municipality(*, code: str) -> Municipality | None:
    """The municipality whose published guidelines the public page shows."""
    return Municipality.objects.filter(code=code).first()


def public_guidelines(*, municipality_code: str) -> QuerySet[Guideline]:
    """The published versions of a municipality, newest first: public information."""
    return _with_rules(Guideline.objects.filter(municipality__code=municipality_code,
                                                status=GuidelineStatus.PUBLISHED))


def guideline_in_force(*, municipality_id: int, on: date) -> Guideline | None:
    """The published version in force on a date (at most one: guidelines.services keeps it so)."""
    return _with_rules(Guideline.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        municipality_id=municipality_id, status=GuidelineStatus.PUBLISHED, valid_from__lte=on,
    )).order_by("-valid_from").first()


def rule_of(rule: GuidelineRule) -> rules.Rule:
    conditions, errors = rules.parse_conditions(rule.conditions, rule.guideline.scale)
    if errors:
        conditions = ()  # a rule stored before a stricter validation proposes nothing
    return rules.Rule(
        label=rule.label, conditions=conditions, service_code=rule.service.code,
        care_level=rule.service.care_level, amount=rule.amount, unit=rule.unit, frequency=rule.frequency,
        explanation=rule.explanation, combine=rule.combine, order=rule.order,
    )


def _may_see_proposal(actor: AnyUser, assessment: Assessment) -> bool:
    if not is_municipal_staff(actor):
        return False
    if getattr(actor, "municipality_id", None) != assessment.municipality_id:
        return False
    if has_permission(actor, roles.ASSESSMENT_RECORD):
        return True
    return has_permission(actor, roles.GUIDELINE_MANAGE)


def guideline_for_assessment(*, actor: AnyUser, assessment: Assessment) -> Guideline | None:
    """The version in force on the assessment's date in its municipality; None for a draft
    assessment (only a completed assessment leads to a proposal)."""
    if not _may_see_proposal(actor, assessment):
        raise PermissionDenied(_("Only the municipality's needs assessors see guideline proposals."))
    if assessment.status != AssessmentStatus.COMPLETED:
        return None
    return guideline_in_force(municipality_id=assessment.municipality_id, on=assessment.assessed_on)


def proposal_for(*, actor: AnyUser, assessment: Assessment) -> list[rules.Proposal]:
    """What the guideline in force on the assessment's date proposes for its scores (nothing for
    a draft assessment)."""
    guideline = guideline_for_assessment(actor=actor, assessment=assessment)
    if guideline is None or guideline.scale != assessment.scale:
        return []
    scores = {score.area_code: score.score for score in assessment.scores.all()}
    for_rules = [rule_of(rule) for rule in guideline.rules.all()]
    return rules.propose(scores, for_rules, assessment.scale)
