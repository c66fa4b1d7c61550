"""Pages of tendering. The procurement officer plans a tender (lots, criteria, the evaluation model
with a live preview of example bids), publishes it, answers questions, opens the bids after the
deadline, grades them, compares the evaluation models and decides the award; bidders (a provider's
administrators, the in-house unit's among them) ask questions and submit or withdraw sealed bids;
politicians and analysts follow the tenders and their outcomes. The OCDS export is public open
data. Each view: parse → authorize → one service/selector → render."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import districts_for, has_permission
from frivalg.core.views import AuthenticatedRequest
from frivalg.providers.selectors import administered_provider_of, services_of
from frivalg.tenders import letters, ocds, rules, selectors, services
from frivalg.tenders.forms import (
    AnswerForm,
    AwardForm,
    BidForm,
    CriterionForm,
    GradeForm,
    LotForm,
    PreviewForm,
    QuestionForm,
    TenderForm,
)
from frivalg.tenders.models import Bid, BidStatus, Criterion, EvaluationModel, Lot, Tender, TenderStatus
from frivalg.tenders.storage import bid_document_open

# --- presentation of the criteria and of evaluations ---------------------------------------------


def criteria_tree(tender: Tender) -> list[tuple[Criterion, list[Criterion]]]:
    """The top-level criteria, each with its sub-criteria."""
    criteria = selectors.criteria_of(tender)
    return [(top, [c for c in criteria if c.parent_id == top.pk]) for top in criteria if top.parent_id is None]


def _shown(value: Decimal | None) -> Decimal | None:
    return None if value is None else rules.round_display(value)


def _preview(tender: Tender, bids: list[tuple[str, int, dict[str, Decimal]]]) -> dict[str, Any]:
    """Example bids under the tender's criteria and every model (nothing is stored); or what is
    wrong with the criteria or parameters so far."""
    specs = selectors.criterion_specs(selectors.criteria_of(tender))
    params = selectors.model_params_of(tender)
    problems = [services.problem_text(p) for p in rules.criteria_problems(specs) + rules.params_problems(params)]
    if problems:
        return {"problems": problems}
    inputs = [rules.BidInput(key=key, price_minor=price, grades=grades) for key, price, grades in bids]
    evaluations, warnings = rules.compare_models(inputs, specs, params)
    names = {key: key for key, _price, _grades in bids}
    return {"tables": model_tables(tender, evaluations, names), "warnings": warning_texts(warnings, names)}


@dataclass(frozen=True)
class ModelTable:
    """One evaluation model's ranking as the comparison page shows it (figures rounded for display)."""

    model: str
    label: str
    published: bool
    winner: str
    money_total: bool
    rows: list[dict[str, Any]]


def model_tables(tender: Tender, evaluations: Mapping[str, rules.Evaluation],
                 names: Mapping[str, str]) -> list[ModelTable]:
    """A table per model, the published model first."""
    order = sorted(evaluations, key=lambda model: (model != tender.evaluation_model, rules.MODELS.index(model)))
    tables = []
    for model in order:
        evaluation = evaluations[model]
        rows = [{"name": names.get(r.key, r.key), "rank": r.rank, "quality_points": _shown(r.quality_points),
                 "price_points": _shown(r.price_points), "total": _shown(r.total),
                 "total_minor": int(r.total.quantize(Decimal(1), ROUND_HALF_UP)) if r.total is not None else None,
                 "excluded": letters.excluded_text(r.excluded)} for r in evaluation.results]
        tables.append(ModelTable(
            model=model, label=str(EvaluationModel(model).label), published=model == tender.evaluation_model,
            winner=names.get(evaluation.winner, evaluation.winner) if evaluation.winner else "",
            money_total=model == rules.MONETISED, rows=rows))
    return tables


def warning_texts(warnings: Sequence[rules.Warning], names: Mapping[str, str]) -> list[str]:
    """The comparison's warnings in words."""
    def name(key: str) -> str:
        return names.get(key, key) if key else _("no single bid")

    texts = []
    for warning in warnings:
        model = str(EvaluationModel(warning.model).label)
        if warning.code == rules.WINNER_DIFFERS:
            texts.append(_("The winner differs between models: under “%(model)s” %(winner)s wins, under the "
                           "published model “%(other_model)s” %(other_winner)s wins.") % {
                "model": model, "winner": name(warning.detail["winner"]),
                "other_model": str(EvaluationModel(warning.detail["other_model"]).label),
                "other_winner": name(warning.detail["other_winner"])})
        else:
            texts.append(_("Rank reversal under “%(model)s”: without the losing bid of %(removed)s the winner "
                           "would be %(after)s instead of %(before)s.") % {
                "model": model, "removed": name(warning.detail["removed"]),
                "after": name(warning.detail["winner_after"]), "before": name(warning.detail["winner_before"])})
    return texts


# --- helpers ---------------------------------------------------------------------------------


@contextmanager
def _in_zone_of(tender: Tender) -> Iterator[None]:
    """Dates and times read and shown in the tender's municipality's time zone."""
    with timezone.override(ZoneInfo(tender.municipality.time_zone)):
        yield


def _may_manage(request: AuthenticatedRequest) -> bool:
    return has_permission(request.user, roles.TENDER_MANAGE)


def _may_bid(request: AuthenticatedRequest) -> bool:
    return has_permission(request.user, roles.TENDER_BID)


def _may_follow(request: AuthenticatedRequest) -> bool:
    return has_permission(request.user, roles.FOLLOWUP_VIEW)


def _require_reader(request: AuthenticatedRequest) -> None:
    if not (_may_manage(request) or _may_bid(request) or _may_follow(request)):
        raise PermissionDenied(_("Only procurement staff, bidders and those who follow the market see tenders."))


def _require_manager(request: AuthenticatedRequest) -> None:
    if not _may_manage(request):
        raise PermissionDenied(roles.TENDER_MANAGE.description)


def _require_bidder(request: AuthenticatedRequest) -> None:
    if not _may_bid(request):
        raise PermissionDenied(roles.TENDER_BID.description)


def _tender_or_404(request: AuthenticatedRequest, public_id: UUID) -> Tender:
    _require_reader(request)
    try:
        return selectors.tender_get(actor=request.user, public_id=public_id)
    except ObjectDoesNotExist as missing:
        raise Http404(_("No such tender.")) from missing


def _lot_or_404(tender: Tender, lot_id: UUID) -> Lot:
    try:
        return tender.lots.select_related("service").get(public_id=lot_id)
    except Lot.DoesNotExist as missing:
        raise Http404(_("No such lot.")) from missing


def _criterion_or_404(tender: Tender, code: str) -> Criterion:
    try:
        return tender.criteria.get(code=code)
    except Criterion.DoesNotExist as missing:
        raise Http404(_("No such criterion.")) from missing


def _bid_or_404(request: AuthenticatedRequest, public_id: UUID) -> Bid:
    _require_reader(request)
    try:
        return selectors.bid_get(actor=request.user, public_id=public_id)
    except ObjectDoesNotExist as missing:
        raise Http404(_("No such bid.")) from missing


def _done(request: HttpRequest, message: str, tender: Tender) -> HttpResponse:
    messages.success(request, message)
    return redirect("tenders:detail", public_id=tender.public_id)


def _refused(request: HttpRequest, error: ValidationError, tender: Tender) -> HttpResponse:
    for message in error.messages:
        messages.error(request, message)
    return redirect("tenders:detail", public_id=tender.public_id)


# --- lists and the tender ----------------------------------------------------------------------


@login_required
def tender_list(request: AuthenticatedRequest) -> HttpResponse:
    """Staff: their municipality's tenders and outcomes (winners, prices, number of bids once
    opened). Bidders: the published tenders."""
    _require_reader(request)
    rows = []
    for tender in selectors.tenders_for(actor=request.user).select_related("municipality"):
        opened = tender.status in (TenderStatus.OPENED, TenderStatus.AWARDED, TenderStatus.CONTRACTED)
        bids = selectors.bids_for(actor=request.user, tender=tender) if opened and not _may_bid(request) else []
        winners = [bid for award in tender.awards.all() for bid in award.winners.select_related("provider")] \
            if tender.status in (TenderStatus.AWARDED, TenderStatus.CONTRACTED) else []
        rows.append({"tender": tender, "opened": opened, "bid_count": len(bids), "winners": winners})
    return render(request, "tenders/tender_list.html", {
        "rows": rows, "may_manage": _may_manage(request), "may_bid": _may_bid(request),
    })


@login_required
def tender_create(request: AuthenticatedRequest) -> HttpResponse:
    _require_manager(request)
    form = TenderForm(request.POST or None, initial={"evaluation_model": "points_linear", "price_weight": 40,
                                                     "min_quality_overall": 70, "min_quality_per_criterion": 50})
    if request.method == "POST" and form.is_valid():
        try:
            tender = services.tender_create(actor=request.user, data=form.tender_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, _("The tender is created. Add its lots and award criteria."), tender)
    return render(request, "tenders/tender_form.html", {"form": form, "tender": None})


@login_required
def tender_edit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_manager(request)
    tender = _tender_or_404(request, public_id)
    with _in_zone_of(tender):
        form = TenderForm(request.POST or None, initial=TenderForm.initial_of(tender))
        if request.method == "POST" and form.is_valid():
            try:
                services.tender_update(actor=request.user, tender=tender, data=form.tender_input())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _done(request, _("The tender is saved."), tender)
        return render(request, "tenders/tender_form.html", {"form": form, "tender": tender})


@login_required
def tender_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The tender as published (or planned): lots, criteria and what earns each grade, the model,
    questions and answers, and what the reader may do now."""
    tender = _tender_or_404(request, public_id)
    may_manage = _may_manage(request)
    may_bid = _may_bid(request)
    now = timezone.now()
    lots = list(tender.lots.select_related("service").prefetch_related("districts"))
    bids = selectors.bids_for(actor=request.user, tender=tender)
    in_house = administered_provider_of(request.user)
    lot_rows = []
    for lot in lots:
        lot_bids = [bid for bid in bids if bid.lot_id == lot.pk]
        award = getattr(lot, "award", None)
        lot_rows.append({
            "lot": lot, "bids": lot_bids, "award": award,
            "own_bid": next((b for b in lot_bids if b.status != BidStatus.WITHDRAWN), None) if may_bid else None,
        })
    with _in_zone_of(tender):
        return render(request, "tenders/tender_detail.html", {
            "tender": tender, "lot_rows": lot_rows, "criteria": criteria_tree(tender),
            "questions": selectors.questions_for(actor=request.user, tender=tender),
            "may_manage": may_manage, "may_bid": may_bid,
            "is_in_house": in_house is not None and in_house.owner_municipality_id == tender.municipality_id,
            "planned": tender.status == TenderStatus.PLANNED,
            "bids_open": tender.status == TenderStatus.PUBLISHED and tender.bid_deadline is not None
            and now < tender.bid_deadline,
            "questions_open": tender.status == TenderStatus.PUBLISHED and tender.question_deadline is not None
            and now < tender.question_deadline,
            "may_open": tender.status == TenderStatus.PUBLISHED and tender.bid_deadline is not None
            and now >= tender.bid_deadline,
            "opened": tender.status in (TenderStatus.OPENED, TenderStatus.AWARDED, TenderStatus.CONTRACTED),
            "question_form": QuestionForm(), "today": timezone.localdate(),
        })


@login_required
@require_POST
def tender_publish(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_manager(request)
    tender = _tender_or_404(request, public_id)
    try:
        services.tender_publish(actor=request.user, tender=tender)
    except ValidationError as error:
        return _refused(request, error, tender)
    return _done(request, _("The tender is published. Its evaluation model and criteria are locked."), tender)


@login_required
@require_POST
def tender_open(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_manager(request)
    tender = _tender_or_404(request, public_id)
    try:
        services.tender_open(actor=request.user, tender=tender)
    except ValidationError as error:
        return _refused(request, error, tender)
    return _done(request, _("The bids are opened. Grade each bid on each criterion."), tender)


# --- lots and criteria (planned tenders) --------------------------------------------------------


@login_required
def lot_edit(request: AuthenticatedRequest, public_id: UUID, lot_id: UUID | None = None) -> HttpResponse:
    _require_manager(request)
    tender = _tender_or_404(request, public_id)
    lot = _lot_or_404(tender, lot_id) if lot_id else None
    initial = LotForm.initial_of(lot) if lot else {"number": tender.lots.count() + 1}
    form = LotForm(request.POST or None, initial=initial,
                   services=services_of(actor=request.user), districts=districts_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.lot_save(actor=request.user, tender=tender, lot=lot, number=data["number"], title=data["title"],
                              service=data["service"], districts=list(data["districts"]),
                              price_form=data["price_form"], volumes=data["volumes"],
                              max_winners=data["max_winners"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, _("The lot is saved."), tender)
    return render(request, "tenders/lot_form.html", {"form": form, "tender": tender, "lot": lot})


@login_required
@require_POST
def lot_remove(request: AuthenticatedRequest, public_id: UUID, lot_id: UUID) -> HttpResponse:
    _require_manager(request)
    tender = _tender_or_404(request, public_id)
    try:
        services.lot_remove(actor=request.user, lot=_lot_or_404(tender, lot_id))
    except ValidationError as error:
        return _refused(request, error, tender)
    return _done(request, _("The lot is removed."), tender)


@login_required
def criterion_edit(request: AuthenticatedRequest, public_id: UUID, code: str | None = None) -> HttpResponse:
    _require_manager(request)
    tender = _tender_or_404(request, public_id)
    criterion = _criterion_or_404(tender, code) if code else None
    parents = tender.criteria.filter(parent__isnull=True)
    if criterion is not None:
        parents = parents.exclude(pk=criterion.pk)
    form = CriterionForm(request.POST or None, parents=parents,
                         initial=CriterionForm.initial_of(criterion) if criterion else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.criterion_save(actor=request.user, tender=tender, criterion=criterion, code=data["code"],
                                    name=data["name"], description=data["description"], weight=data["weight"],
                                    scale_max=data["scale_max"], grade_descriptions=data["grade_descriptions"],
                                    value_per_point_minor=data["value_per_point_minor"] or 0,
                                    parent=data["parent"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, _("The criterion is saved."), tender)
    return render(request, "tenders/criterion_form.html", {"form": form, "tender": tender, "criterion": criterion})


@login_required
@require_POST
def criterion_remove(request: AuthenticatedRequest, public_id: UUID, code: str) -> HttpResponse:
    _require_manager(request)
    tender = _tender_or_404(request, public_id)
    try:
        services.criterion_remove(actor=request.user, criterion=_criterion_or_404(tender, code))
    except ValidationError as error:
        return _refused(request, error, tender)
    return _done(request, _("The criterion is removed."), tender)


@login_required
def tender_preview(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The live preview: how example bids would score under the tender's criteria and model, and
    under every other model side by side. Nothing is stored. htmx posts the form on each change
    and swaps in the results."""
    _require_manager(request)
    tender = _tender_or_404(request, public_id)
    leaves = selectors.leaf_criteria_of(tender)
    form = PreviewForm(request.POST or None, leaves=leaves)
    context: dict[str, Any] = {"tender": tender, "form": form, "leaves": leaves, "tables": None, "warnings": [],
                               "problems": []}
    if request.method == "POST" and form.is_valid():
        bids = form.example_bids()
        if bids:
            context.update(_preview(tender, bids))
    if request.headers.get("HX-Request"):
        return render(request, "tenders/_preview_results.html", context)
    return render(request, "tenders/preview.html", context)


# --- questions ---------------------------------------------------------------------------------


@login_required
def question_ask(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_bidder(request)
    tender = _tender_or_404(request, public_id)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_ask(actor=request.user, tender=tender, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, _("Your question is sent. The answer is published to every bidder."), tender)
    with _in_zone_of(tender):
        return render(request, "tenders/question_form.html", {"form": form, "tender": tender})


@login_required
def question_answer(request: AuthenticatedRequest, public_id: UUID, question_id: UUID) -> HttpResponse:
    _require_manager(request)
    tender = _tender_or_404(request, public_id)
    question = next((q for q in selectors.questions_for(actor=request.user, tender=tender)
                     if q.public_id == question_id), None)
    if question is None:
        raise Http404(_("No such question."))
    form = AnswerForm(request.POST or None, initial={"answer": question.answer})
    if request.method == "POST" and form.is_valid():
        try:
            services.question_answer(actor=request.user, question=question, answer=form.cleaned_data["answer"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, _("The answer is published to every bidder."), tender)
    with _in_zone_of(tender):
        return render(request, "tenders/answer_form.html", {"form": form, "tender": tender, "question": question})


# --- bids --------------------------------------------------------------------------------------


@login_required
def bid_edit(request: AuthenticatedRequest, public_id: UUID, lot_id: UUID) -> HttpResponse:
    """The bidder's bid on a lot: prices in the lot's price form, an answer per criterion and a
    document; saved as a draft or submitted. Sealed: only the bidder sees it before the deadline."""
    _require_bidder(request)
    tender = _tender_or_404(request, public_id)
    lot = _lot_or_404(tender, lot_id)
    bid = selectors.own_live_bid(actor=request.user, lot=lot)
    criteria = selectors.leaf_criteria_of(tender)
    form = BidForm(request.POST or None, request.FILES or None, lot=lot, criteria=criteria,
                   control_bid=bid if bid is not None and bid.control_bid else None,
                   initial=BidForm.initial_of(bid) if bid else None)
    if request.method == "POST" and form.is_valid():
        try:
            bid = services.bid_save(actor=request.user, lot=lot, prices=form.prices(), answers=form.answers(),
                                    document=form.cleaned_data["document"])
            if "submit" in request.POST:
                services.bid_submit(actor=request.user, bid=bid)
        except ValidationError as error:
            add_service_errors(form, error, {"prices": "__all__", "answers": "__all__"})
        else:
            if "submit" in request.POST:
                messages.success(request, _("Your bid is submitted. It stays sealed until the deadline."))
            else:
                messages.success(request, _("Your draft is saved. Submit it before the deadline."))
            return redirect("tenders:bid", public_id=bid.public_id)
    with _in_zone_of(tender):
        return render(request, "tenders/bid_form.html", {"form": form, "tender": tender, "lot": lot, "bid": bid})


@login_required
@require_POST
def control_bid_prepare(request: AuthenticatedRequest, public_id: UUID, lot_id: UUID) -> HttpResponse:
    """The in-house unit's control bid, priced from the published price sheet in force (full cost)."""
    _require_bidder(request)
    tender = _tender_or_404(request, public_id)
    lot = _lot_or_404(tender, lot_id)
    try:
        bid = services.control_bid_prepare(actor=request.user, lot=lot)
    except ValidationError as error:
        return _refused(request, error, tender)
    messages.success(request, _("The control bid is priced from the in-house full cost. Check it and submit it."))
    return redirect("tenders:bid", public_id=bid.public_id)


@login_required
def bid_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    bid = _bid_or_404(request, public_id)
    tender = bid.tender
    is_owner = _may_bid(request) and administered_provider_of(request.user) == bid.provider
    with _in_zone_of(tender):
        return render(request, "tenders/bid_detail.html", {
            "bid": bid, "tender": tender, "lot": bid.lot, "is_owner": is_owner,
            "may_change": is_owner and bid.status in (BidStatus.DRAFT, BidStatus.SUBMITTED)
            and tender.status == TenderStatus.PUBLISHED and tender.bid_deadline is not None
            and timezone.now() < tender.bid_deadline,
            "may_grade": _may_manage(request) and tender.status == TenderStatus.OPENED,
            "grades": bid.grades.select_related("criterion", "grader").order_by("criterion__code", "created_at")
            if _may_manage(request) else [],
            "criteria": {c.code: c for c in tender.criteria.all()},
        })


@login_required
@require_POST
def bid_submit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    bid = _bid_or_404(request, public_id)
    try:
        services.bid_submit(actor=request.user, bid=bid)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your bid is submitted. It stays sealed until the deadline."))
    return redirect("tenders:bid", public_id=bid.public_id)


@login_required
@require_POST
def bid_withdraw(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    bid = _bid_or_404(request, public_id)
    try:
        services.bid_withdraw(actor=request.user, bid=bid)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("tenders:bid", public_id=bid.public_id)
    return _done(request, _("Your bid is withdrawn. You may submit a new one before the deadline."), bid.tender)


@login_required
def bid_document(request: AuthenticatedRequest, public_id: UUID) -> FileResponse:
    bid = _bid_or_404(request, public_id)
    if not bid.document:
        raise Http404(_("No document was uploaded."))
    return FileResponse(bid_document_open(bid), as_attachment=True, filename=bid.document_name or "document",
                        content_type=bid.document_content_type or "application/octet-stream")


@login_required
def bid_grade(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Grade a bid on each leaf criterion with a written justification (after opening)."""
    _require_manager(request)
    bid = _bid_or_404(request, public_id)
    tender = bid.tender
    leaves = selectors.leaf_criteria_of(tender)
    mine = {g.criterion.code: g for g in bid.grades.select_related("criterion")
            if g.grader_id == request.user.pk and not g.consensus}
    initial: dict[str, Any] = {}
    for code, recorded in mine.items():
        initial[f"grade_{code}"] = recorded.grade
        initial[f"justification_{code}"] = recorded.justification
    form = GradeForm(request.POST or None, leaves=leaves, two_graders=tender.two_graders, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            for criterion, grade, justification in form.grades():
                try:
                    services.grade_record(actor=request.user, bid=bid, criterion=criterion, grade=grade,
                                          justification=justification,
                                          consensus=bool(form.cleaned_data.get("consensus")))
                except ValidationError as error:
                    raise ValidationError({f"grade_{criterion.code}": error.messages}) from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The grades are saved."))
            return redirect("tenders:bid", public_id=bid.public_id)
    with _in_zone_of(tender):
        return render(request, "tenders/grade_form.html", {"form": form, "bid": bid, "tender": tender,
                                                           "leaves": leaves})


# --- evaluation, award, letter, contract --------------------------------------------------------


@login_required
def lot_evaluation(request: AuthenticatedRequest, public_id: UUID, lot_id: UUID) -> HttpResponse:
    """Every evaluation model side by side for the lot's bids, with warnings in words when the
    winner differs between models or a rank reversal exists."""
    _require_manager(request)
    tender = _tender_or_404(request, public_id)
    lot = _lot_or_404(tender, lot_id)
    evaluation = selectors.evaluation_for(actor=request.user, lot=lot)
    names = {key: bid.provider.name for key, bid in evaluation.bids.items()}
    return render(request, "tenders/evaluation.html", {
        "tender": tender, "lot": lot, "evaluation": evaluation,
        "tables": model_tables(tender, evaluation.evaluations, names),
        "warnings": warning_texts(evaluation.warnings, names),
    })


@login_required
def lot_award(request: AuthenticatedRequest, public_id: UUID, lot_id: UUID) -> HttpResponse:
    _require_manager(request)
    tender = _tender_or_404(request, public_id)
    lot = _lot_or_404(tender, lot_id)
    bids = [bid for bid in selectors.bids_for(actor=request.user, tender=tender)
            if bid.lot_id == lot.pk and bid.status == BidStatus.SUBMITTED]
    by_id = {str(bid.public_id): bid for bid in bids}
    form = AwardForm(request.POST or None, choices=[(str(b.public_id), b.provider.name) for b in bids])
    if request.method == "POST" and form.is_valid():
        try:
            services.award_decide(actor=request.user, lot=lot, winners=[by_id[i] for i in form.cleaned_data["winners"]],
                                  reasons=form.cleaned_data["reasons"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The award is decided. The standstill period runs; the letter is ready."))
            return redirect("tenders:letter", public_id=tender.public_id, lot_id=lot.public_id)
    return render(request, "tenders/award_form.html", {"form": form, "tender": tender, "lot": lot, "bids": bids})


def _award_or_404(request: AuthenticatedRequest, public_id: UUID, lot_id: UUID) -> Any:
    tender = _tender_or_404(request, public_id)
    lot = _lot_or_404(tender, lot_id)
    try:
        return lot.award
    except ObjectDoesNotExist as missing:
        raise Http404(_("No award is decided on this lot yet.")) from missing


@login_required
def award_letter(request: AuthenticatedRequest, public_id: UUID, lot_id: UUID) -> HttpResponse:
    """The award letter in the municipality's language: every bidder's scores (a bidder sees its
    own and the winner's), the reasons, the standstill period and how to complain."""
    award = _award_or_404(request, public_id, lot_id)
    context = letters.letter_context(actor=request.user, award=award)
    with translation.override(context["lang"]), _in_zone_of(award.tender):
        return render(request, "tenders/award_letter.html", context)


@login_required
def award_letter_pdf(request: AuthenticatedRequest, public_id: UUID, lot_id: UUID) -> HttpResponse:
    award = _award_or_404(request, public_id, lot_id)
    response = HttpResponse(letters.letter_pdf(actor=request.user, award=award), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{letters.letter_file_name(award)}"'
    return response


@login_required
@require_POST
def contract_sign(request: AuthenticatedRequest, public_id: UUID, lot_id: UUID) -> HttpResponse:
    _require_manager(request)
    award = _award_or_404(request, public_id, lot_id)
    try:
        services.contract_sign(actor=request.user, award=award)
    except ValidationError as error:
        return _refused(request, error, award.tender)
    return _done(request, _("The contract is signed."), award.tender)


# --- open data ---------------------------------------------------------------------------------


def _published_or_404(public_id: UUID) -> Tender:
    try:
        # Open data: any published tender, to anyone (the OCDS export itself keeps the bids sealed).
        return selectors.tender_published_get(public_id=public_id)
    except ObjectDoesNotExist as missing:
        raise Http404(_("No such published tender.")) from missing


def _json(data: dict[str, Any], name: str) -> HttpResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def ocds_release(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The OCDS release package of a published tender: open data, no login; no bid before the
    deadline."""
    tender = _published_or_404(public_id)
    return _json(ocds.release_package(tender, published=timezone.now()), f"ocds-release-{tender.public_id}.json")


def ocds_record(request: HttpRequest, public_id: UUID) -> HttpResponse:
    tender = _published_or_404(public_id)
    return _json(ocds.record_package(tender), f"ocds-record-{tender.public_id}.json")

