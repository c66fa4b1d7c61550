"""Reads of tenders, scoped to the actor — and the seal on the bids.

Staff of the municipality (TENDER_MANAGE: procurement; FOLLOWUP_VIEW: analysts, politicians,
finance) see its tenders; a provider's admins (TENDER_BID) see every published tender, never a
planned one.

Sealed bids: before a tender's bid deadline nobody reads a bid but its own bidder — not the
procurement officer, not an analyst, not the system administrator, not another bidder. After the
deadline, and only once the procurement officer has opened the bids, the municipality's staff
read the submitted bids (never drafts, never withdrawn ones). Every read of a bid in this app
goes through `_bids_visible_q`, so the seal is decided in one place."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Q, QuerySet, Value, When
from django.db.models.fields import BooleanField
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.core import roles
from frivalg.core.models import User
from frivalg.core.selectors import AnyUser, has_permission, is_municipal_staff
from frivalg.pricing.models import PriceSheet
from frivalg.providers.selectors import admin_provider_ids_of
from frivalg.tenders import rules
from frivalg.tenders.models import (
    Award,
    Bid,
    BidStatus,
    Contract,
    Criterion,
    Grade,
    Lot,
    Question,
    Tender,
    TenderStatus,
)

#: Bids that take part in the evaluation once opened (drafts and withdrawn bids never do).
COUNTED_STATUSES = (BidStatus.SUBMITTED, BidStatus.REJECTED)
#: Tender states in which the bids have been opened.
OPENED_STATUSES = (TenderStatus.OPENED, TenderStatus.AWARDED, TenderStatus.CONTRACTED)
#: The model parameters a tender stores in `model_parameters` (Decimal as text).
PARAMETER_NAMES = ("max_points", "interval_step_percent", "interval_points_per_step",
                   "surcharge_per_missing_point_percent")


# --- who is who ------------------------------------------------------------------------------


def is_tender_staff(actor: AnyUser, municipality_id: int) -> bool:
    """Municipal staff of this municipality who read its tenders (procurement or follow-up)."""
    return (
        is_municipal_staff(actor)
        and getattr(actor, "municipality_id", None) == municipality_id
        and (has_permission(actor, roles.TENDER_MANAGE) or has_permission(actor, roles.FOLLOWUP_VIEW))
    )


def is_tender_manager(actor: AnyUser, municipality_id: int) -> bool:
    """The municipality's procurement officers."""
    return (
        is_municipal_staff(actor)
        and getattr(actor, "municipality_id", None) == municipality_id
        and has_permission(actor, roles.TENDER_MANAGE)
    )


def bidder_provider_ids(actor: AnyUser) -> set[int]:
    """The providers the actor bids for: those it administers, with the TENDER_BID permission."""
    if not has_permission(actor, roles.TENDER_BID):
        return set()
    return admin_provider_ids_of(actor)


def bids_are_open(tender: Tender) -> bool:
    """The seal is broken: the deadline has passed and the procurement officer opened the bids."""
    return (
        tender.bid_deadline is not None
        and tender.bid_deadline <= timezone.now()
        and tender.opened_at is not None
        and tender.status in OPENED_STATUSES
    )


# --- tenders ---------------------------------------------------------------------------------


def tenders_for(*, actor: AnyUser) -> QuerySet[Tender]:
    if not actor.is_authenticated:
        return Tender.objects.none()
    assert isinstance(actor, User)
    allowed = Q(pk__in=[])
    if is_municipal_staff(actor) and has_permission(actor, roles.TENDER_MANAGE):
        allowed |= Q(municipality_id=actor.municipality_id)
    if is_municipal_staff(actor) and has_permission(actor, roles.FOLLOWUP_VIEW):
        allowed |= Q(municipality_id=actor.municipality_id)
    if bidder_provider_ids(actor):
        allowed |= Q(published_at__isnull=False) & ~Q(status=TenderStatus.PLANNED)
    return Tender.objects.filter(allowed).select_related("municipality")


def tender_get(*, actor: AnyUser, public_id: UUID | str) -> Tender:
    """One tender; Tender.DoesNotExist when the actor may not see it."""
    return tenders_for(actor=actor).get(public_id=public_id)


def lots_of(tender: Tender) -> QuerySet[Lot]:
    """A tender's lots (the caller has the tender from `tenders_for`)."""
    return Lot.objects.filter(tender=tender).select_related("service").prefetch_related("districts")


def criteria_of(tender: Tender) -> list[Criterion]:
    """A tender's criteria, each parent before its children (the caller has the tender)."""
    rows = list(Criterion.objects.filter(tender=tender).select_related("parent"))
    children: dict[int | None, list[Criterion]] = defaultdict(list)
    for row in rows:
        children[row.parent_id].append(row)
    ordered: list[Criterion] = []

    def walk(parent_id: int | None) -> None:
        for row in children.get(parent_id, []):
            ordered.append(row)
            walk(row.pk)

    walk(None)
    return ordered


def leaf_criteria_of(tender: Tender) -> list[Criterion]:
    rows = criteria_of(tender)
    parents = {row.parent_id for row in rows if row.parent_id is not None}
    return [row for row in rows if row.pk not in parents]


def criterion_specs(criteria: Iterable[Criterion]) -> list[rules.CriterionSpec]:
    return [
        rules.CriterionSpec(
            code=row.code, weight=Decimal(row.weight), scale_max=row.scale_max,
            value_per_point_minor=row.value_per_point_minor, parent=row.parent.code if row.parent else None,
        )
        for row in criteria
    ]


def _decimal_or(value: Any, default: Decimal | None) -> Decimal | None:
    if value is None or value == "":
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return default


def _parameter(stored: dict[str, Any], name: str, default: Decimal) -> Decimal:
    value = _decimal_or(stored.get(name), default)
    return default if value is None else value


def model_params_of(tender: Tender, *, model: str | None = None) -> rules.ModelParams:
    """The tender's evaluation model and its parameters as tenders.rules takes them (a parameter
    the tender does not set takes the rules' default)."""
    stored = tender.model_parameters or {}
    defaults = rules.ModelParams(model=model or tender.evaluation_model, price_weight=Decimal(tender.price_weight))
    return rules.ModelParams(
        model=defaults.model,
        price_weight=defaults.price_weight,
        max_points=_parameter(stored, "max_points", defaults.max_points),
        interval_step_percent=_parameter(stored, "interval_step_percent", defaults.interval_step_percent),
        interval_points_per_step=_parameter(stored, "interval_points_per_step", defaults.interval_points_per_step),
        surcharge_per_missing_point_percent=_decimal_or(stored.get("surcharge_per_missing_point_percent"), None),
        min_quality_overall=Decimal(tender.min_quality_overall),
        min_quality_per_criterion=Decimal(tender.min_quality_per_criterion),
    )


# --- questions -------------------------------------------------------------------------------


def questions_for(*, actor: AnyUser, tender: Tender) -> list[Question]:
    """Staff of the municipality: every question. A bidder: the answered ones (pages show them
    without the asker) and its own, answered or not; `asked_by_me` marks the actor's own."""
    if not tenders_for(actor=actor).filter(pk=tender.pk).exists():
        return []
    mine = Case(When(asked_by_id=actor.pk, then=Value(True)), default=Value(False), output_field=BooleanField())
    questions = Question.objects.filter(tender=tender).annotate(asked_by_me=mine)
    if is_tender_staff(actor, tender.municipality_id):
        return list(questions)
    if bidder_provider_ids(actor):
        return list(questions.filter(Q(answered_at__isnull=False) | Q(asked_by_id=actor.pk)))
    return []


def question_get(*, actor: AnyUser, public_id: UUID | str) -> Question:
    """One question; Question.DoesNotExist when the actor may not see it."""
    question = Question.objects.select_related("tender").get(public_id=public_id)
    if question not in questions_for(actor=actor, tender=question.tender):
        raise Question.DoesNotExist
    return question


# --- bids: the seal --------------------------------------------------------------------------


def _bids_visible_q(actor: AnyUser) -> Q:
    """Which bids `actor` may read, one condition per branch: a bidder its own provider's, at
    any time; the municipality's staff the counted bids of tenders whose deadline has passed and
    whose bids have been opened."""
    allowed = Q(pk__in=[])
    own = bidder_provider_ids(actor)
    if own:
        allowed |= Q(provider_id__in=own)
    if is_municipal_staff(actor) and (
        has_permission(actor, roles.TENDER_MANAGE) or has_permission(actor, roles.FOLLOWUP_VIEW)
    ):
        allowed |= Q(
            tender__municipality_id=getattr(actor, "municipality_id", None),
            tender__bid_deadline__lte=timezone.now(),
            tender__opened_at__isnull=False,
            tender__status__in=OPENED_STATUSES,
            status__in=COUNTED_STATUSES,
        )
    return allowed


def bids_visible_to(actor: AnyUser) -> QuerySet[Bid]:
    if not actor.is_authenticated:
        return Bid.objects.none()
    return Bid.objects.filter(_bids_visible_q(actor)).select_related("provider", "lot", "tender")


def bids_for(*, actor: AnyUser, tender: Tender, lot: Lot | None = None) -> list[Bid]:
    """The bids on a tender (or one lot) the actor may read: sealed until opened."""
    bids = bids_visible_to(actor).filter(tender=tender)
    if lot is not None:
        bids = bids.filter(lot=lot)
    return list(bids)


def bid_get(*, actor: AnyUser, public_id: UUID | str) -> Bid:
    """One bid; Bid.DoesNotExist when the actor may not read it (sealed or someone else's)."""
    return bids_visible_to(actor).get(public_id=public_id)


def own_live_bid(*, actor: AnyUser, lot: Lot) -> Bid | None:
    """The actor's provider's draft or submitted bid on a lot (for the bidder's pages)."""
    return (bids_visible_to(actor).filter(lot=lot, provider_id__in=bidder_provider_ids(actor))
            .exclude(status=BidStatus.WITHDRAWN).first())


# --- the control bid's price sheet -----------------------------------------------------------


def price_sheet_in_force(*, municipality_id: int) -> PriceSheet | None:
    """The municipality's published price sheet in force today: the latest valid_from on or
    before today, the highest version of it."""
    return (
        PriceSheet.objects.filter(municipality_id=municipality_id, valid_from__lte=timezone.localdate())
        .select_related("cost_model").order_by("-valid_from", "-year", "-version").first()
    )


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotEvaluation:
    """The opened bids on a lot under every model, from the grades that count."""

    lot: Lot
    #: The published model (tender.evaluation_model).
    model: str
    evaluations: dict[str, rules.Evaluation]
    warnings: list[rules.Warning]
    #: Bid key (its public id as text) → the bid.
    bids: dict[str, Bid]
    #: Bid key → the leaf criterion codes still without a counting grade (empty: all graded).
    missing: dict[str, list[str]] = field(default_factory=dict)
    #: Bid key → leaf code → the grade that counts.
    grades: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def published(self) -> rules.Evaluation:
        return self.evaluations[self.model]

    @property
    def complete(self) -> bool:
        return not any(self.missing.values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (what the award decision stores)."""
        data = rules.comparison_as_dict(self.evaluations, self.warnings)
        data["model"] = self.model
        data["missing_grades"] = {key: codes for key, codes in self.missing.items() if codes}
        data["grades"] = self.grades
        data["bids"] = {
            key: {"provider": bid.provider.name, "control_bid": bid.control_bid,
                  "evaluation_price_minor": bid.evaluation_price_minor}
            for key, bid in self.bids.items()
        }
        return data


def counting_grades(tender: Tender, bids: Iterable[Bid], leaves: Iterable[Criterion]) -> tuple[
        dict[str, dict[str, int]], dict[str, list[str]]]:
    """The grade that counts per bid and leaf criterion, and what is missing. The consensus grade
    counts when there is one. With two graders nothing else counts; with one, the single grader's
    grade counts (several graders who agree count too; disagreeing graders need a consensus)."""
    bid_list = list(bids)
    leaf_list = list(leaves)
    by_cell: dict[tuple[int, int], list[Grade]] = defaultdict(list)
    for grade in Grade.objects.filter(bid__in=bid_list, criterion__in=leaf_list):
        by_cell[(grade.bid_id, grade.criterion_id)].append(grade)
    counted: dict[str, dict[str, int]] = {}
    missing: dict[str, list[str]] = {}
    for bid in bid_list:
        key = str(bid.public_id)
        counted[key] = {}
        missing[key] = []
        for leaf in leaf_list:
            cell = by_cell.get((bid.pk, leaf.pk), [])
            consensus = [g.grade for g in cell if g.consensus]
            individual = {g.grade for g in cell if not g.consensus}
            if consensus:
                counted[key][leaf.code] = consensus[0]
            elif not tender.two_graders and len(individual) == 1:
                counted[key][leaf.code] = individual.pop()
            else:
                missing[key].append(leaf.code)
    return counted, missing


def lot_evaluation(tender: Tender, lot: Lot, bids: list[Bid]) -> LotEvaluation:
    """Every model on these bids. Unchecked: for `evaluation_for` and the award service, which
    have checked the actor and the seal."""
    criteria = criteria_of(tender)
    leaves = leaf_criteria_of(tender)
    counted, missing = counting_grades(tender, bids, leaves)
    inputs = [
        rules.BidInput(key=str(bid.public_id), price_minor=bid.evaluation_price_minor,
                       grades={code: Decimal(grade) for code, grade in counted[str(bid.public_id)].items()})
        for bid in bids
    ]
    evaluations, warnings = rules.compare_models(inputs, criterion_specs(criteria), model_params_of(tender))
    return LotEvaluation(lot=lot, model=tender.evaluation_model, evaluations=evaluations, warnings=warnings,
                         bids={str(bid.public_id): bid for bid in bids}, missing=missing, grades=counted)


def evaluation_for(*, actor: AnyUser, lot: Lot) -> LotEvaluation:
    """Every model side by side on a lot's opened bids. Only the municipality's staff, and only
    after the bids were opened: PermissionDenied otherwise (the bids are sealed)."""
    tender = Tender.objects.select_related("municipality").get(pk=lot.tender_id)
    if not is_tender_staff(actor, tender.municipality_id):
        raise PermissionDenied(_("Only the municipality's staff evaluate the bids."))
    if not bids_are_open(tender):
        raise PermissionDenied(_("The bids are sealed until they are opened after the deadline."))
    bids = [bid for bid in bids_for(actor=actor, tender=tender, lot=lot) if bid.status in COUNTED_STATUSES]
    return lot_evaluation(tender, lot, bids)


# --- award -----------------------------------------------------------------------------------


def awards_for(*, actor: AnyUser, tender: Tender) -> list[Award]:
    """The tender's award decisions: staff of the municipality, and bidders who bid on the lot."""
    awards = Award.objects.filter(tender=tender).select_related("lot", "tender")
    if is_tender_staff(actor, tender.municipality_id):
        return list(awards)
    own = bidder_provider_ids(actor)
    if own:
        return list(awards.filter(lot__bids__provider_id__in=own, lot__bids__status__in=COUNTED_STATUSES)
                    .distinct())
    return []


def _bid_row(bid: Bid, result: dict[str, Any] | None, grades: dict[str, int], leaves: list[Criterion],
             winner_keys: set[str]) -> dict[str, Any]:
    result = result or {}
    return {
        "key": str(bid.public_id),
        "bid": bid,
        "provider": bid.provider.name,
        "control_bid": bid.control_bid,
        "evaluation_price_minor": bid.evaluation_price_minor,
        "rank": result.get("rank"),
        "excluded": result.get("excluded"),
        "quality_points": _as_decimal(result.get("quality_points")),
        "price_points": _as_decimal(result.get("price_points")),
        "total": _as_decimal(result.get("total")),
        "rounded_total": _as_decimal(result.get("rounded_total")),
        "criteria": [{"code": leaf.code, "name": leaf.name, "scale_max": leaf.scale_max,
                      "grade": grades.get(leaf.code)} for leaf in leaves],
        "winner": str(bid.public_id) in winner_keys,
    }


def _as_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def award_letter_data(*, actor: AnyUser, award: Award) -> dict[str, Any]:
    """What the award letter shows: the decision, the reasons, the standstill period, the
    winner's scores and — for a bidder — its own (staff see every bid's). From the evaluation
    stored with the decision. PermissionDenied for anyone else, and while the bids are sealed."""
    tender = Tender.objects.select_related("municipality").get(pk=award.tender_id)
    staff = is_tender_staff(actor, tender.municipality_id)
    own = bidder_provider_ids(actor)
    lot_bids = list(Bid.objects.filter(lot=award.lot, status__in=COUNTED_STATUSES).select_related("provider"))
    own_bids = [bid for bid in lot_bids if bid.provider_id in own]
    if not staff and not own_bids:
        raise PermissionDenied(_("Only the municipality's staff and the lot's bidders read this letter."))
    if not bids_are_open(tender):
        raise PermissionDenied(_("The bids are sealed until they are opened after the deadline."))
    evaluation = award.evaluation or {}
    model = evaluation.get("model", tender.evaluation_model)
    results = {row["key"]: row for row in evaluation.get("models", {}).get(model, {}).get("results", [])}
    grades: dict[str, dict[str, int]] = evaluation.get("grades", {})
    leaves = leaf_criteria_of(tender)
    winners = list(award.winners.select_related("provider"))
    winner_keys = {str(bid.public_id) for bid in winners}
    shown = lot_bids if staff else [bid for bid in lot_bids if bid in own_bids or str(bid.public_id) in winner_keys]

    def row(bid: Bid) -> dict[str, Any]:
        key = str(bid.public_id)
        return _bid_row(bid, results.get(key), grades.get(key, {}), leaves, winner_keys)

    shown_rows = sorted((row(bid) for bid in shown),
                        key=lambda r: (r["rank"] is None, r["rank"] or 0, r["provider"]))
    return {
        "award": award,
        "tender": tender,
        "lot": award.lot,
        "municipality": tender.municipality,
        "model": model,
        "model_label": dict(tender._meta.get_field("evaluation_model").flatchoices).get(model, model),
        "rounding": evaluation.get("rounding", rules.ROUNDING),
        "reasons": award.reasons,
        "decided_at": award.decided_at,
        "standstill_ends": award.standstill_ends,
        "criteria": leaves,
        "winners": [row(bid) for bid in winners],
        "own": [row(bid) for bid in own_bids],
        "bids": shown_rows,
        "warnings": evaluation.get("warnings", []),
    }


def tender_published_get(*, public_id: UUID) -> Tender:
    """Any published tender, for everyone (its OCDS export is open data and reveals no bid before
    the deadline); Tender.DoesNotExist for an unknown or unpublished one."""
    return Tender.objects.select_related("municipality").exclude(status=TenderStatus.PLANNED).get(
        public_id=public_id, published_at__isnull=False)


def exclusive_provider_ids(*, municipality_id: int, service_id: int, district_id: int, on: date) -> list[int]:
    """The providers holding an exclusive contract (a tender without free choice) in force on `on`
    for the service in the district — a lot without districts covers the whole municipality.
    Empty: the citizens choose freely. No actor: read by the choice rules for every citizen."""
    contracts = Contract.objects.filter(
        exclusive=True, valid_from__lte=on, valid_to__gte=on,
        award__tender__municipality_id=municipality_id, award__lot__service_id=service_id,
    ).filter(Q(award__lot__districts__isnull=True) | Q(award__lot__districts=district_id))
    return sorted(set(contracts.values_list("provider_id", flat=True)))
