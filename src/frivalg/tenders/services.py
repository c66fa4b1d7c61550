"""Writes of the tender workflow: plan → publish → questions → bids (the in-house control bid
among them) → opening → grading → award → standstill → contract. Each service checks access,
runs in one transaction and writes its audit row in it; bad input is a ValidationError keyed by
field.

Locking: lots, criteria, the evaluation model, its parameters and thresholds change only while
the tender is planned; publishing locks them (`locked_at`) together with the tender documents.

Money is integer minor units (øre/öre); a bid's evaluation price is Σ price × estimated volume
(whole units, so exact). Scores are Decimal at full precision (tenders.rules); they are rounded
only for display and the letter: ROUND_HALF_UP to 2 decimals (rules.ROUNDING)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.catalogue.models import ProviderKind, Service, TimeBand
from frivalg.core import roles
from frivalg.core.models import District, User
from frivalg.core.selectors import require
from frivalg.core.services import audit_record
from frivalg.pricing.models import PriceSheet, PriceSheetLine
from frivalg.providers.models import Approval, ApprovalStatus, Provider
from frivalg.tenders import rules, storage
from frivalg.tenders.models import (
    Award,
    Bid,
    BidStatus,
    Contract,
    Criterion,
    EvaluationModel,
    Grade,
    Lot,
    PriceForm,
    Question,
    Tender,
    TenderStatus,
)
from frivalg.tenders.selectors import (
    COUNTED_STATUSES,
    PARAMETER_NAMES,
    bidder_provider_ids,
    criteria_of,
    criterion_specs,
    is_tender_manager,
    leaf_criteria_of,
    lot_evaluation,
    model_params_of,
    price_sheet_in_force,
)

#: The keys of a lot's volumes and a bid's prices per price form.
PRICE_KEYS: Mapping[str, frozenset[str]] = {
    PriceForm.HOURLY_BY_BAND: frozenset(TimeBand.values),
    PriceForm.PER_UNIT: frozenset({"unit"}),
    PriceForm.MONTHLY_FEE: frozenset({"month"}),
}

#: Fields of the tender that make up its evaluation model (locked on publication).
MODEL_FIELDS = ("evaluation_model", "model_parameters", "price_weight", "min_quality_overall",
                "min_quality_per_criterion", "two_graders")


# --- helpers ---------------------------------------------------------------------------------


def _require_manager(actor: User, tender: Tender) -> None:
    require(actor, roles.TENDER_MANAGE)
    if not is_tender_manager(actor, tender.municipality_id):
        raise PermissionDenied(_("This tender belongs to another municipality."))


def _bidder_provider(actor: User, provider: Provider | None) -> Provider:
    """The provider the actor bids for: the given one, which it must administer, or its only one."""
    require(actor, roles.TENDER_BID)
    own = bidder_provider_ids(actor)
    if not own:
        raise PermissionDenied(_("Only a provider's administrators bid for it."))
    if provider is not None:
        if provider.pk not in own:
            raise PermissionDenied(_("You do not administer this provider."))
        return provider
    if len(own) > 1:
        raise ValidationError({"provider": _("Choose the provider you bid for.")})
    return Provider.objects.get(pk=next(iter(own)))


def _locked(tender: Tender) -> bool:
    return tender.locked_at is not None or tender.status != TenderStatus.PLANNED


def _locked_message() -> str:
    return _("The tender is published: its lots, criteria and evaluation model are locked.")


def _local_date(tender: Tender, moment: datetime) -> date:
    return timezone.localtime(moment, ZoneInfo(tender.municipality.time_zone)).date()


def _before_deadline(tender: Tender) -> bool:
    return tender.bid_deadline is not None and timezone.now() < tender.bid_deadline


def _require_open_for_bids(tender: Tender) -> None:
    if tender.status != TenderStatus.PUBLISHED:
        raise ValidationError({"status": _("The tender does not take bids.")})
    if not _before_deadline(tender):
        raise ValidationError({"bid_deadline": _("The deadline for bids has passed.")})


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


#: The translated text of each rules.Problem code (formatted with the problem's params).
_PROBLEM_TEXTS = {
    "no_criteria": lambda: _("Add at least one award criterion."),
    "empty_code": lambda: _("A criterion has no code."),
    "duplicate_code": lambda: _("The code %(code)s is used twice."),
    "unknown_parent": lambda: _("%(code)s: the parent criterion %(parent)s does not exist."),
    "weight_range": lambda: _("%(code)s: the weight must be above 0 and at most 100 %%."),
    "scale": lambda: _("%(code)s: the highest grade must be at least 1."),
    "negative_value": lambda: _("%(code)s: the money value of a grade point cannot be negative."),
    "cycle": lambda: _("%(code)s: the criterion is its own ancestor."),
    "weights_sum_top": lambda: _("The weights of the top-level criteria sum to %(total)s %%, not 100 %%."),
    "weights_sum": lambda: _("The weights of the sub-criteria of %(parent)s sum to %(total)s %%, not 100 %%."),
    "model": lambda: _("Unknown evaluation model."),
    "percent_range": lambda: _("Enter a percentage between 0 and 100."),
    "max_points": lambda: _("The maximum points must be above 0."),
    "interval_step": lambda: _("The interval step must be above 0 %%."),
    "interval_points": lambda: _("The points lost per interval step cannot be negative."),
    "surcharge": lambda: _("The surcharge per missing quality point cannot be negative."),
}


def problem_text(problem: rules.Problem) -> str:
    """A rules.Problem in the user's language (the rules' English text for an unknown code)."""
    text = _PROBLEM_TEXTS.get(problem.code)
    if text is None:
        return problem.message
    try:
        return text() % problem.params
    except (KeyError, TypeError, ValueError):
        return problem.message


# --- the tender ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TenderInput:
    """The tender's own fields as a form or the API gives them. `model_parameters` holds the
    model's parameters by name (PARAMETER_NAMES), Decimal or text."""

    reference: str
    title: str
    description: str = ""
    cpv_code: str = "85000000-9"
    free_choice: bool = True
    evaluation_model: str = EvaluationModel.POINTS_LINEAR
    model_parameters: Mapping[str, Any] = field(default_factory=dict)
    price_weight: Decimal = Decimal(40)
    min_quality_overall: Decimal = Decimal(70)
    min_quality_per_criterion: Decimal = Decimal(50)
    two_graders: bool = False
    question_deadline: datetime | None = None
    bid_deadline: datetime | None = None
    standstill_days: int = 10
    contract_start: date | None = None
    contract_end: date | None = None
    option_months: int = 0
    risk_band_low_percent: int = 80
    risk_band_high_percent: int = 120
    risk_rule: str = ""


def _tender_values(data: TenderInput, municipality_id: int, tender: Tender | None) -> dict[str, Any]:
    """The model fields of the tender from `data`, checked; ValidationError by field."""
    errors: dict[str, str] = {}
    reference = data.reference.strip()
    title = data.title.strip()
    if not reference:
        errors["reference"] = _("Enter the tender's reference.")
    elif len(reference) > 40:
        errors["reference"] = _("The reference is at most 40 characters.")
    else:
        taken = Tender.objects.filter(municipality_id=municipality_id, reference=reference)
        if tender is not None:
            taken = taken.exclude(pk=tender.pk)
        if taken.exists():
            errors["reference"] = _("Another tender has this reference.")
    if not title:
        errors["title"] = _("Enter the tender's title.")
    if data.evaluation_model not in EvaluationModel.values:
        errors["evaluation_model"] = _("Unknown evaluation model.")
    parameters: dict[str, str] = {}
    for name, value in dict(data.model_parameters).items():
        if value is None or value == "":
            continue
        if name not in PARAMETER_NAMES:
            errors["model_parameters"] = _("Unknown model parameter %(name)s.") % {"name": name}
            continue
        number = _decimal(value)
        if number is None or not number.is_finite():
            errors[name] = _("Enter a number.")
            continue
        parameters[name] = str(number)
    percents = {"price_weight": data.price_weight, "min_quality_overall": data.min_quality_overall,
                "min_quality_per_criterion": data.min_quality_per_criterion}
    checked: dict[str, Decimal] = {}
    for name, value in percents.items():
        number = _decimal(value)
        if number is None or not number.is_finite() or not 0 <= number <= 100:
            errors[name] = _("Enter a percentage between 0 and 100.")
        else:
            checked[name] = number
    if not errors:
        probe = Tender(evaluation_model=data.evaluation_model, model_parameters=parameters,
                       price_weight=checked["price_weight"], min_quality_overall=checked["min_quality_overall"],
                       min_quality_per_criterion=checked["min_quality_per_criterion"])
        for problem in rules.params_problems(model_params_of(probe)):
            errors[problem.params.get("field", "evaluation_model")] = problem_text(problem)
    if data.question_deadline is not None and timezone.is_naive(data.question_deadline):
        errors["question_deadline"] = _("Give the time with its time zone.")
    if data.bid_deadline is not None and timezone.is_naive(data.bid_deadline):
        errors["bid_deadline"] = _("Give the time with its time zone.")
    elif (data.question_deadline is not None and data.bid_deadline is not None
          and timezone.is_aware(data.question_deadline) and data.question_deadline >= data.bid_deadline):
        errors["question_deadline"] = _("Questions must close before the deadline for bids.")
    if data.standstill_days < 0:
        errors["standstill_days"] = _("The standstill period cannot be negative.")
    if data.option_months < 0:
        errors["option_months"] = _("The options cannot be negative.")
    if data.contract_start and data.contract_end and data.contract_end <= data.contract_start:
        errors["contract_end"] = _("The contract must end after it starts.")
    if data.risk_band_low_percent < 0:
        errors["risk_band_low_percent"] = _("The band cannot start below 0 %.")
    if data.risk_band_low_percent > data.risk_band_high_percent:
        errors["risk_band_high_percent"] = _("The band must end at or above where it starts.")
    if len(data.cpv_code.strip()) > 12 or not data.cpv_code.strip():
        errors["cpv_code"] = _("Enter a CPV code like 85000000-9.")
    if errors:
        raise ValidationError(errors)
    values = asdict(data)
    values.update(reference=reference, title=title, description=data.description.strip(),
                  cpv_code=data.cpv_code.strip(), model_parameters=parameters, risk_rule=data.risk_rule.strip(),
                  **checked)
    return values


@transaction.atomic
def tender_create(*, actor: User, data: TenderInput) -> Tender:
    """Plan a tender in the actor's municipality."""
    require(actor, roles.TENDER_MANAGE)
    if actor.municipality_id is None:
        raise PermissionDenied(_("Only the municipality's staff plan tenders."))
    values = _tender_values(data, actor.municipality_id, None)
    tender = Tender.objects.create(municipality_id=actor.municipality_id, created_by=actor, **values)
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.create", obj=tender,
                 payload={"reference": tender.reference, "model": tender.evaluation_model})
    return tender


@transaction.atomic
def tender_update(*, actor: User, tender: Tender, data: TenderInput) -> Tender:
    """Change a planned tender. Once published nothing changes here: the fields the call would
    change are refused (the evaluation model's as locked)."""
    _require_manager(actor, tender)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    values = _tender_values(data, tender.municipality_id, tender)
    if _locked(tender):
        refused = [name for name, value in values.items() if getattr(tender, name) != value]
        message = _locked_message()
        raise ValidationError({name: message for name in refused} or {"status": message})
    changed = {name: str(value) for name, value in values.items() if getattr(tender, name) != value}
    for name, value in values.items():
        setattr(tender, name, value)
    tender.save()
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.update", obj=tender,
                 payload={"changed": changed})
    return tender


# --- lots ------------------------------------------------------------------------------------


def _volumes_clean(price_form: str, volumes: Mapping[str, Any]) -> dict[str, int]:
    """Whole, positive volumes per key of the price form (empty or 0 entries are left out)."""
    keys = PRICE_KEYS.get(price_form)
    if keys is None:
        raise ValidationError({"price_form": _("Unknown price form.")})
    cleaned: dict[str, int] = {}
    for key, value in volumes.items():
        if value is None or value == "" or value == 0:
            continue
        if key not in keys:
            raise ValidationError({"volumes": _("%(key)s is not a volume of this price form.") % {"key": key}})
        number = _decimal(value)
        if number is None or not number.is_finite() or number != number.to_integral_value() or number < 0:
            raise ValidationError({"volumes": _("Volumes are whole numbers (hours, units or months per year).")})
        cleaned[key] = int(number)
    if not cleaned:
        raise ValidationError({"volumes": _("Enter the estimated volume per year.")})
    return cleaned


@transaction.atomic
def lot_save(
    *,
    actor: User,
    tender: Tender,
    lot: Lot | None = None,
    number: int,
    title: str,
    service: Service,
    districts: Iterable[District],
    price_form: str,
    volumes: Mapping[str, Any],
    max_winners: int,
) -> Lot:
    """Add or change a lot of a planned tender."""
    _require_manager(actor, tender)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if _locked(tender):
        raise ValidationError({"number": _locked_message()})
    if lot is not None and lot.tender_id != tender.pk:
        raise ValidationError({"number": _("This lot belongs to another tender.")})
    errors: dict[str, str] = {}
    title = title.strip()
    district_list = list(districts)
    if number < 1:
        errors["number"] = _("Lots are numbered from 1.")
    elif Lot.objects.filter(tender=tender, number=number).exclude(pk__in=[lot.pk] if lot else []).exists():
        errors["number"] = _("Another lot has this number.")
    if not title:
        errors["title"] = _("Enter the lot's title.")
    if service.municipality_id != tender.municipality_id:
        errors["service"] = _("Choose a service of your own municipality.")
    if any(d.municipality_id != tender.municipality_id for d in district_list):
        errors["districts"] = _("Choose districts of your own municipality.")
    if max_winners < 1:
        errors["max_winners"] = _("A lot has at least one winner.")
    if errors:
        raise ValidationError(errors)
    cleaned = _volumes_clean(price_form, volumes)
    created = lot is None
    if lot is None:
        lot = Lot(tender=tender)
    lot.number = number
    lot.title = title
    lot.service = service
    lot.price_form = price_form
    lot.volumes = cleaned
    lot.max_winners = max_winners
    lot.save()
    lot.districts.set(district_list)
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.lot_save", obj=tender,
                 payload={"lot": number, "created": created, "service": service.code, "price_form": price_form,
                          "volumes": cleaned, "districts": [d.code for d in district_list]})
    return lot


@transaction.atomic
def lot_remove(*, actor: User, lot: Lot) -> None:
    tender = lot.tender
    _require_manager(actor, tender)
    if _locked(Tender.objects.select_for_update().get(pk=tender.pk)):
        raise ValidationError({"number": _locked_message()})
    number = lot.number
    lot.delete()
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.lot_remove", obj=tender,
                 payload={"lot": number})


# --- criteria --------------------------------------------------------------------------------


def _grade_descriptions_clean(descriptions: Mapping[Any, Any], scale_max: int) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key, text in descriptions.items():
        try:
            grade = int(str(key))
        except ValueError:
            raise ValidationError({"grade_descriptions": _("Grades are whole numbers.")}) from None
        if not 0 <= grade <= scale_max:
            raise ValidationError({"grade_descriptions": _("Grade %(grade)s is outside the scale 0–%(max)s.")
                                   % {"grade": grade, "max": scale_max}})
        text = str(text or "").strip()
        if text:
            cleaned[str(grade)] = text
    return dict(sorted(cleaned.items(), key=lambda item: int(item[0])))


@transaction.atomic
def criterion_save(
    *,
    actor: User,
    tender: Tender,
    criterion: Criterion | None = None,
    code: str,
    name: str,
    description: str = "",
    weight: Decimal,
    scale_max: int,
    grade_descriptions: Mapping[Any, Any],
    value_per_point_minor: int = 0,
    parent: Criterion | None = None,
) -> Criterion:
    """Add or change an award criterion (or a sub-criterion, with `parent`) of a planned tender.
    Whether the weights add up is checked when the tender is published (rules.validate_criteria)."""
    _require_manager(actor, tender)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if _locked(tender):
        raise ValidationError({"weight": _locked_message()})
    if criterion is not None and criterion.tender_id != tender.pk:
        raise ValidationError({"code": _("This criterion belongs to another tender.")})
    errors: dict[str, str] = {}
    code = code.strip()
    name = name.strip()
    if not code:
        errors["code"] = _("Enter the criterion's code.")
    elif len(code) > 20:
        errors["code"] = _("The code is at most 20 characters.")
    elif Criterion.objects.filter(tender=tender, code=code).exclude(
            pk__in=[criterion.pk] if criterion else []).exists():
        errors["code"] = _("Another criterion has this code.")
    if not name:
        errors["name"] = _("Enter the criterion's name.")
    number = _decimal(weight)
    if number is None or not number.is_finite() or not 0 < number <= 100:
        errors["weight"] = _("The weight must be above 0 and at most 100 %.")
    elif number != number.quantize(Decimal("0.01")):
        errors["weight"] = _("The weight has at most two decimals.")
    if scale_max < 1:
        errors["scale_max"] = _("The highest grade must be at least 1.")
    if value_per_point_minor < 0:
        errors["value_per_point_minor"] = _("The money value of a grade point cannot be negative.")
    if parent is not None:
        if parent.tender_id != tender.pk:
            errors["parent"] = _("Choose a criterion of this tender.")
        elif criterion is not None:
            node: Criterion | None = parent
            while node is not None:
                if node.pk == criterion.pk:
                    errors["parent"] = _("A criterion cannot be placed under itself or its sub-criteria.")
                    break
                node = node.parent
    if errors:
        raise ValidationError(errors)
    assert number is not None
    descriptions = _grade_descriptions_clean(grade_descriptions, scale_max)
    created = criterion is None
    if criterion is None:
        criterion = Criterion(tender=tender)
    criterion.code = code
    criterion.name = name
    criterion.description = description.strip()
    criterion.weight = number
    criterion.scale_max = scale_max
    criterion.grade_descriptions = descriptions
    criterion.value_per_point_minor = value_per_point_minor
    criterion.parent = parent
    criterion.save()
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.criterion_save", obj=tender,
                 payload={"code": code, "created": created, "weight": str(number), "scale_max": scale_max,
                          "parent": parent.code if parent else None})
    return criterion


@transaction.atomic
def criterion_remove(*, actor: User, criterion: Criterion) -> None:
    """Remove a criterion of a planned tender, with its sub-criteria."""
    tender = criterion.tender
    _require_manager(actor, tender)
    if _locked(Tender.objects.select_for_update().get(pk=tender.pk)):
        raise ValidationError({"weight": _locked_message()})
    code = criterion.code
    criterion.delete()
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.criterion_remove", obj=tender,
                 payload={"code": code})


# --- publication -----------------------------------------------------------------------------


def publication_problems(tender: Tender) -> dict[str, list[str]]:
    """What stands in the way of publishing, by field (empty: it may be published)."""
    problems: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if not Lot.objects.filter(tender=tender).exists():
        add("lots", _("Add at least one lot."))
    criteria = criteria_of(tender)
    for problem in rules.criteria_problems(criterion_specs(criteria)):
        add("criteria", problem_text(problem))
    params = model_params_of(tender)
    for problem in rules.params_problems(params):
        add(problem.params.get("field", "evaluation_model"), problem_text(problem))
    for leaf in leaf_criteria_of(tender):
        described = tender_grade_keys(leaf)
        if "0" not in described or str(leaf.scale_max) not in described:
            add("criteria", _("%(code)s: describe what earns the lowest grade (0) and the highest (%(max)s).")
                % {"code": leaf.code, "max": leaf.scale_max})
        if (tender.evaluation_model == EvaluationModel.MONETISED
                and params.surcharge_per_missing_point_percent is None and leaf.value_per_point_minor <= 0):
            add("criteria", _("%(code)s: the monetised model needs the money value of a grade point.")
                % {"code": leaf.code})
    now = timezone.now()
    if tender.question_deadline is None:
        add("question_deadline", _("Set the deadline for questions."))
    elif tender.question_deadline <= now:
        add("question_deadline", _("The deadline for questions must be in the future."))
    if tender.bid_deadline is None:
        add("bid_deadline", _("Set the deadline for bids."))
    elif tender.bid_deadline <= now:
        add("bid_deadline", _("The deadline for bids must be in the future."))
    if (tender.question_deadline and tender.bid_deadline
            and tender.question_deadline >= tender.bid_deadline):
        add("question_deadline", _("Questions must close before the deadline for bids."))
    if tender.contract_start is None:
        add("contract_start", _("Set the start of the contract period."))
    if tender.contract_end is None:
        add("contract_end", _("Set the end of the contract period."))
    return problems


def tender_grade_keys(criterion: Criterion) -> set[str]:
    return {str(key) for key, text in (criterion.grade_descriptions or {}).items() if str(text).strip()}


@transaction.atomic
def tender_publish(*, actor: User, tender: Tender) -> Tender:
    """Publish a planned tender: its documents, lots, criteria and evaluation model are locked
    from now on."""
    _require_manager(actor, tender)
    tender = Tender.objects.select_for_update().select_related("municipality").get(pk=tender.pk)
    if tender.status != TenderStatus.PLANNED:
        raise ValidationError({"status": _("Only a planned tender can be published.")})
    problems = publication_problems(tender)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    tender.status = TenderStatus.PUBLISHED
    tender.published_at = now
    tender.locked_at = now
    tender.save(update_fields=["status", "published_at", "locked_at", "updated_at"])
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.publish", obj=tender,
                 payload={"model": tender.evaluation_model, "parameters": tender.model_parameters,
                          "price_weight": str(tender.price_weight),
                          "criteria": [{"code": c.code, "weight": str(c.weight), "scale_max": c.scale_max}
                                       for c in criteria_of(tender)],
                          "bid_deadline": tender.bid_deadline.isoformat() if tender.bid_deadline else None})
    return tender


# --- questions -------------------------------------------------------------------------------


@transaction.atomic
def question_ask(*, actor: User, tender: Tender, text: str) -> Question:
    """A bidder asks before the question deadline; the answer is published to every bidder."""
    require(actor, roles.TENDER_BID)
    if not bidder_provider_ids(actor):
        raise PermissionDenied(_("Only a provider's administrators ask questions."))
    if tender.status != TenderStatus.PUBLISHED:
        raise ValidationError({"text": _("This tender does not take questions.")})
    if tender.question_deadline is None or timezone.now() >= tender.question_deadline:
        raise ValidationError({"text": _("The deadline for questions has passed.")})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write your question.")})
    question = Question.objects.create(tender=tender, asked_by=actor, text=text)
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.question_ask", obj=question,
                 payload={"tender": str(tender.public_id)})
    return question


@transaction.atomic
def question_answer(*, actor: User, question: Question, answer: str) -> Question:
    """The procurement officer answers (or corrects an answer); it is published to every bidder."""
    _require_manager(actor, question.tender)
    question = Question.objects.select_for_update().select_related("tender").get(pk=question.pk)
    if question.tender.status not in (TenderStatus.PUBLISHED, TenderStatus.OPENED):
        raise ValidationError({"answer": _("Questions on this tender are closed.")})
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    question.answer = answer
    question.answered_by = actor
    question.answered_at = timezone.now()
    question.save()
    audit_record(actor=actor, municipality_id=question.tender.municipality_id, action="tender.question_answer",
                 obj=question, payload={"tender": str(question.tender.public_id)})
    return question


# --- bids ------------------------------------------------------------------------------------


def evaluation_price(lot: Lot, prices: Mapping[str, int]) -> int:
    """Σ price × estimated volume per year, minor units (exact: whole volumes)."""
    return sum(int(prices.get(key, 0)) * int(volume) for key, volume in lot.volumes.items())


def _prices_clean(lot: Lot, prices: Mapping[str, Any]) -> dict[str, int]:
    """A price (minor units, above 0) for every volume of the lot, nothing else."""
    cleaned: dict[str, int] = {}
    for key, value in prices.items():
        if value is None or value == "":
            continue
        if key not in lot.volumes:
            raise ValidationError({"prices": _("%(key)s is not priced in this lot.") % {"key": key}})
        number = _decimal(value)
        if number is None or not number.is_finite() or number != number.to_integral_value() or number <= 0:
            raise ValidationError({"prices": _("Prices are whole amounts in øre/öre above 0.")})
        cleaned[key] = int(number)
    missing = sorted(set(lot.volumes) - set(cleaned))
    if missing:
        raise ValidationError({"prices": _("Give a price for: %(keys)s.") % {"keys": ", ".join(missing)}})
    return cleaned


def _answers_clean(tender: Tender, answers: Mapping[str, Any]) -> dict[str, str]:
    codes = {c.code for c in criteria_of(tender)}
    cleaned: dict[str, str] = {}
    for code, text in answers.items():
        if code not in codes:
            raise ValidationError({"answers": _("%(code)s is not a criterion of this tender.") % {"code": code}})
        text = str(text or "").strip()
        if text:
            cleaned[code] = text
    return cleaned


def _is_home_in_house(provider: Provider, tender: Tender) -> bool:
    return provider.kind == ProviderKind.IN_HOUSE and provider.owner_municipality_id == tender.municipality_id


def _live_bid(lot: Lot, provider: Provider) -> Bid | None:
    return (Bid.objects.select_for_update().filter(lot=lot, provider=provider)
            .exclude(status=BidStatus.WITHDRAWN).first())


def _document_attach(bid: Bid, document: UploadedFile | None) -> None:
    if document is None:
        return
    content_type, name = storage.bid_document_check(document)
    bid.document.name = storage.bid_document_save(bid, document, content_type)
    bid.document_name = name
    bid.document_content_type = content_type


@transaction.atomic
def bid_save(
    *,
    actor: User,
    lot: Lot,
    prices: Mapping[str, Any],
    answers: Mapping[str, Any],
    document: UploadedFile | None = None,
    provider: Provider | None = None,
) -> Bid:
    """Draft a bid, or change the provider's draft or submitted bid, before the deadline. One live
    bid per lot and provider. The municipality's own in-house provider prices its control bid from
    the cost model (control_bid_prepare): here it may only answer the criteria and attach a
    document, its prices stay those of the price sheet."""
    bidder = _bidder_provider(actor, provider)
    tender = Tender.objects.select_for_update().select_related("municipality").get(pk=lot.tender_id)
    _require_open_for_bids(tender)
    bid = _live_bid(lot, bidder)
    if _is_home_in_house(bidder, tender):
        if bid is None:
            raise ValidationError({"prices": _("The in-house provider's control bid is priced from the published "
                                               "price sheet: prepare the control bid first.")})
        if prices and {k: v for k, v in prices.items() if v not in (None, "")} != bid.prices:
            raise ValidationError({"prices": _("The control bid's prices come from the published price sheet "
                                               "and cannot be changed.")})
        cleaned_prices = dict(bid.prices)
    else:
        cleaned_prices = _prices_clean(lot, prices)
    cleaned_answers = _answers_clean(tender, answers)
    created = bid is None
    if bid is None:
        bid = Bid(tender=tender, lot=lot, provider=bidder, status=BidStatus.DRAFT, submitted_by=actor)
    bid.prices = cleaned_prices
    bid.evaluation_price_minor = evaluation_price(lot, cleaned_prices)
    bid.answers = cleaned_answers
    _document_attach(bid, document)
    try:
        with transaction.atomic():
            bid.save()
    except IntegrityError:
        raise ValidationError({"prices": _("Your provider already has a bid on this lot.")}) from None
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.bid_save", obj=bid,
                 payload={"lot": lot.number, "provider": str(bidder.public_id), "created": created,
                          "status": bid.status, "document": bid.document_name})
    return bid


def _require_own_bid(actor: User, bid: Bid) -> None:
    require(actor, roles.TENDER_BID)
    if bid.provider_id not in bidder_provider_ids(actor):
        raise PermissionDenied(_("Only the bidder's administrators change its bid."))


@transaction.atomic
def bid_submit(*, actor: User, bid: Bid) -> Bid:
    """Submit a draft before the deadline: priced in full, every graded criterion answered."""
    _require_own_bid(actor, bid)
    bid = Bid.objects.select_for_update().select_related("lot", "tender").get(pk=bid.pk)
    _require_open_for_bids(bid.tender)
    if bid.status != BidStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft can be submitted.")})
    missing = sorted(set(bid.lot.volumes) - set(bid.prices))
    if missing or bid.evaluation_price_minor <= 0:
        raise ValidationError({"prices": _("Give a price for: %(keys)s.") % {"keys": ", ".join(missing)}})
    unanswered = [leaf.code for leaf in leaf_criteria_of(bid.tender) if not bid.answers.get(leaf.code)]
    if unanswered:
        raise ValidationError({"answers": _("Answer every award criterion. Missing: %(codes)s.")
                               % {"codes": ", ".join(unanswered)}})
    bid.status = BidStatus.SUBMITTED
    bid.submitted_at = timezone.now()
    bid.submitted_by = actor
    bid.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    audit_record(actor=actor, municipality_id=bid.tender.municipality_id, action="tender.bid_submit", obj=bid,
                 payload={"lot": bid.lot.number, "evaluation_price_minor": bid.evaluation_price_minor,
                          "control_bid": bid.control_bid})
    return bid


@transaction.atomic
def bid_withdraw(*, actor: User, bid: Bid) -> Bid:
    """Withdraw a draft or submitted bid before the deadline; a withdrawn bid never counts."""
    _require_own_bid(actor, bid)
    bid = Bid.objects.select_for_update().select_related("lot", "tender").get(pk=bid.pk)
    if not _before_deadline(bid.tender) or bid.tender.status != TenderStatus.PUBLISHED:
        raise ValidationError({"status": _("A bid can only be withdrawn before the deadline.")})
    if bid.status not in (BidStatus.DRAFT, BidStatus.SUBMITTED):
        raise ValidationError({"status": _("This bid has been withdrawn already.")})
    bid.status = BidStatus.WITHDRAWN
    bid.withdrawn_at = timezone.now()
    bid.save(update_fields=["status", "withdrawn_at", "updated_at"])
    audit_record(actor=actor, municipality_id=bid.tender.municipality_id, action="tender.bid_withdraw", obj=bid,
                 payload={"lot": bid.lot.number})
    return bid


@transaction.atomic
def control_bid_prepare(*, actor: User, lot: Lot, price_sheet: PriceSheet | None = None) -> Bid:
    """The in-house provider's control bid, on the same terms as everyone: priced with the full
    cost of the cost model — the in-house prices of the municipality's published price sheet in
    force (or the one given) for the lot's service and each time band — × the lot's volumes.
    Prepared (as a draft, then submitted with bid_submit) by the in-house provider's own
    administrators only: the procurement officer stays at arm's length."""
    require(actor, roles.TENDER_BID)
    tender = Tender.objects.select_for_update().select_related("municipality").get(pk=lot.tender_id)
    in_house = [p for p in Provider.objects.filter(pk__in=bidder_provider_ids(actor)) if _is_home_in_house(p, tender)]
    if not in_house:
        raise PermissionDenied(_("Only the administrators of the municipality's in-house provider prepare the "
                                 "control bid."))
    provider = in_house[0]
    _require_open_for_bids(tender)
    if lot.price_form != PriceForm.HOURLY_BY_BAND:
        raise ValidationError({"price_sheet": _("The price sheet gives hourly prices per time band; this lot is "
                                                "not priced by the hour.")})
    if price_sheet is None:
        price_sheet = price_sheet_in_force(municipality_id=tender.municipality_id)
        if price_sheet is None:
            raise ValidationError({"price_sheet": _("The municipality has no published price sheet in force.")})
    elif price_sheet.municipality_id != tender.municipality_id:
        raise ValidationError({"price_sheet": _("Choose a price sheet of your own municipality.")})
    lines = {line.time_band: line for line in
             PriceSheetLine.objects.filter(sheet=price_sheet, service=lot.service.code)}
    missing = sorted(set(lot.volumes) - set(lines))
    if missing:
        raise ValidationError({"price_sheet": _("The price sheet has no in-house price of %(service)s for: "
                                                "%(bands)s.") % {"service": lot.service.code,
                                                                 "bands": ", ".join(missing)}})
    prices = {band: lines[band].in_house_price_minor for band in lot.volumes}
    reference = _("Price sheet %(year)s version %(version)s (%(id)s), full cost, in-house prices") % {
        "year": price_sheet.year, "version": price_sheet.version, "id": price_sheet.public_id}
    bid = _live_bid(lot, provider)
    created = bid is None
    if bid is None:
        bid = Bid(tender=tender, lot=lot, provider=provider, status=BidStatus.DRAFT, submitted_by=actor)
    bid.control_bid = True
    bid.prices = prices
    bid.evaluation_price_minor = evaluation_price(lot, prices)
    bid.cost_model_reference = reference[:200]
    bid.save()
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.control_bid_prepare", obj=bid,
                 payload={"lot": lot.number, "price_sheet": str(price_sheet.public_id), "prices": prices,
                          "evaluation_price_minor": bid.evaluation_price_minor, "created": created})
    return bid


# --- opening and grading ---------------------------------------------------------------------


@transaction.atomic
def tender_open(*, actor: User, tender: Tender) -> Tender:
    """Open the bids, only after the deadline: from now on the municipality's staff read them."""
    _require_manager(actor, tender)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status != TenderStatus.PUBLISHED:
        raise ValidationError({"status": _("Only a published tender's bids can be opened.")})
    if _before_deadline(tender):
        raise ValidationError({"bid_deadline": _("The bids stay sealed until the deadline has passed.")})
    tender.status = TenderStatus.OPENED
    tender.opened_at = timezone.now()
    tender.save(update_fields=["status", "opened_at", "updated_at"])
    counted = Bid.objects.filter(tender=tender, status__in=COUNTED_STATUSES).count()
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.open", obj=tender,
                 payload={"bids": counted})
    return tender


@transaction.atomic
def grade_record(
    *, actor: User, bid: Bid, criterion: Criterion, grade: int, justification: str, consensus: bool = False
) -> Grade:
    """A grader's grade of one opened bid on one leaf criterion, with the written justification.
    Grading again replaces the grader's own grade. With two graders, the consensus grade (after
    two graders have graded on their own) is the one that counts."""
    tender = bid.tender
    _require_manager(actor, tender)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status != TenderStatus.OPENED:
        raise ValidationError({"grade": _("Bids are graded after they are opened and before the award.")})
    if bid.status not in COUNTED_STATUSES:
        raise ValidationError({"grade": _("Only submitted bids are graded.")})
    if criterion.tender_id != tender.pk:
        raise ValidationError({"criterion": _("Choose a criterion of this tender.")})
    if Criterion.objects.filter(parent=criterion).exists():
        raise ValidationError({"criterion": _("Grade the sub-criteria; %(code)s is weighed from them.")
                               % {"code": criterion.code}})
    if Award.objects.filter(lot_id=bid.lot_id).exists():
        raise ValidationError({"grade": _("The award on this lot has been decided.")})
    if not isinstance(grade, int) or isinstance(grade, bool) or not 0 <= grade <= criterion.scale_max:
        raise ValidationError({"grade": _("The grade must be a whole number from 0 to %(max)s.")
                               % {"max": criterion.scale_max}})
    justification = justification.strip()
    if not justification:
        raise ValidationError({"justification": _("Justify the grade in writing.")})
    if consensus and not tender.two_graders:
        raise ValidationError({"consensus": _("This tender has a single grader: grade without consensus.")})
    if consensus:
        graders = set(Grade.objects.filter(bid=bid, criterion=criterion, consensus=False)
                      .values_list("grader_id", flat=True))
        if len(graders) < 2:
            raise ValidationError({"consensus": _("Two graders grade on their own before the consensus grade.")})
        row = Grade.objects.select_for_update().filter(bid=bid, criterion=criterion, consensus=True).first()
    else:
        row = Grade.objects.select_for_update().filter(bid=bid, criterion=criterion, consensus=False,
                                                       grader=actor).first()
    previous = row.grade if row is not None else None
    if row is None:
        row = Grade(bid=bid, criterion=criterion, consensus=consensus, grader=actor)
    row.grader = actor
    row.grade = grade
    row.justification = justification
    row.save()
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.grade_record", obj=bid,
                 payload={"criterion": criterion.code, "grade": grade, "previous": previous,
                          "consensus": consensus})
    return row


# --- award and contract ----------------------------------------------------------------------


@transaction.atomic
def award_decide(*, actor: User, lot: Lot, winners: list[Bid], reasons: str) -> Award:
    """Decide the award on a lot under the published model: every bid graded, the winners the
    best-ranked admitted bids (at most the lot's number of winners; where bids tie, the decision
    picks by the published tie-break). Stores every model's evaluation; the standstill period ends
    `standstill_days` after the decision date (the municipality's calendar)."""
    tender = lot.tender
    _require_manager(actor, tender)
    tender = Tender.objects.select_for_update().select_related("municipality").get(pk=tender.pk)
    if tender.status != TenderStatus.OPENED:
        raise ValidationError({"winners": _("The award is decided after the bids are opened.")})
    if Award.objects.filter(lot=lot).exists():
        raise ValidationError({"winners": _("The award on this lot has been decided already.")})
    reasons = reasons.strip()
    errors: dict[str, str] = {}
    if not reasons:
        errors["reasons"] = _("Give the reasons for the decision.")
    keys = [str(bid.public_id) for bid in winners]
    bids = list(Bid.objects.filter(lot=lot, status__in=COUNTED_STATUSES).select_related("provider"))
    evaluation = lot_evaluation(tender, lot, bids)
    published = evaluation.published
    if not winners:
        errors["winners"] = _("Choose the winning bid.")
    elif len(set(keys)) != len(keys) or len(keys) > lot.max_winners:
        errors["winners"] = _("This lot has at most %(count)s winners.") % {"count": lot.max_winners}
    elif any(key not in evaluation.bids for key in keys):
        errors["winners"] = _("Choose among the submitted bids on this lot.")
    elif not evaluation.complete:
        errors["winners"] = _("Every bid must be graded on every criterion first.")
    else:
        results = {result.key: result for result in published.results}
        if any(results[key].rank is None for key in keys):
            errors["winners"] = _("A bid below the quality thresholds cannot win.")
        else:
            worst = max(results[key].rank or 0 for key in keys)
            better = [r.key for r in published.results if r.rank is not None and r.rank < worst]
            if any(key not in keys for key in better):
                errors["winners"] = _("The winners must be the best-ranked bids under the published model.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    award = Award.objects.create(
        tender=tender, lot=lot, reasons=reasons, evaluation=evaluation.as_dict(), decided_at=now, decided_by=actor,
        standstill_ends=_local_date(tender, now) + timedelta(days=tender.standstill_days),
    )
    award.winners.set(winners)
    lots = Lot.objects.filter(tender=tender)
    if not lots.filter(award__isnull=True).exists():
        tender.status = TenderStatus.AWARDED
        tender.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.award_decide", obj=award,
                 payload={"lot": lot.number, "winners": keys, "model": tender.evaluation_model,
                          "standstill_ends": award.standstill_ends.isoformat(),
                          "warnings": [w.code for w in evaluation.warnings]})
    return award


def _approval_from_contract(actor: User, tender: Tender, lot: Lot, provider: Provider) -> Approval:
    """The winner's approval for the lot's service, its districts and the contract period. The
    award is the municipality's decision on the provider, taken on equal terms in the tender
    (qualification, criteria, evaluation), so it approves directly — not through approval_decide,
    whose requirement answers belong to the approval model's applications."""
    start, end = tender.contract_start, tender.contract_end
    assert start is not None and end is not None
    districts = list(lot.districts.all())
    approval = Approval.objects.select_for_update().filter(provider=provider, service=lot.service).first()
    previous = approval.status if approval is not None else None
    if approval is not None and approval.status == ApprovalStatus.SUSPENDED:
        raise ValidationError({"award": _("%(provider)s is suspended for this service: lift the suspension "
                                          "before the contract is signed.") % {"provider": provider.name}})
    if approval is not None and approval.status == ApprovalStatus.APPROVED:
        assert approval.valid_from is not None
        approval.valid_from = min(approval.valid_from, start)
        approval.valid_to = None if approval.valid_to is None else max(approval.valid_to, end)
        if approval.served_districts.exists() and districts:
            approval.served_districts.add(*districts)
        elif not districts:
            approval.served_districts.clear()
    else:
        if approval is None:
            approval = Approval(provider=provider, service=lot.service, municipality_id=tender.municipality_id)
        approval.status = ApprovalStatus.APPROVED
        approval.valid_from = start
        approval.valid_to = end
        approval.notice_given_on = None
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.reason = _("Awarded in tender %(reference)s, lot %(lot)s.") % {"reference": tender.reference,
                                                                           "lot": lot.number}
    approval.save()
    if previous != ApprovalStatus.APPROVED:
        approval.served_districts.set(districts)
    audit_record(actor=actor, municipality_id=tender.municipality_id, action="approval.decide", obj=approval,
                 payload={"from": previous, "to": ApprovalStatus.APPROVED, "via": "tender.contract_sign",
                          "tender": str(tender.public_id), "valid_from": approval.valid_from.isoformat()
                          if approval.valid_from else None,
                          "valid_to": approval.valid_to.isoformat() if approval.valid_to else None})
    return approval


@transaction.atomic
def contract_sign(*, actor: User, award: Award) -> list[Contract]:
    """Sign the contracts with the winners once the standstill period is over (from the day after
    `standstill_ends`). Each winner is approved for the lot's service, districts and the contract
    period; without free choice the contract is also the winner's exclusive assignment."""
    tender = award.tender
    _require_manager(actor, tender)
    tender = Tender.objects.select_for_update().select_related("municipality").get(pk=tender.pk)
    award = Award.objects.select_for_update().select_related("lot__service").get(pk=award.pk)
    if Contract.objects.filter(award=award).exists():
        raise ValidationError({"award": _("The contract has been signed already.")})
    if tender.status not in (TenderStatus.OPENED, TenderStatus.AWARDED):
        raise ValidationError({"award": _("This tender takes no contracts.")})
    today = _local_date(tender, timezone.now())
    if today <= award.standstill_ends:
        raise ValidationError({"award": _("The standstill period runs until %(date)s: sign after it.")
                               % {"date": award.standstill_ends.isoformat()}})
    if tender.contract_start is None or tender.contract_end is None:
        raise ValidationError({"award": _("The tender has no contract period.")})
    contracts: list[Contract] = []
    for bid in award.winners.select_related("provider").order_by("pk"):
        # The winner is approved for the lot either way (it must be, to deliver and be paid); without
        # free choice the contract is also exclusive, and the choice rules offer only its provider
        # (tenders.selectors.exclusive_provider_ids).
        approval = _approval_from_contract(actor, tender, award.lot, bid.provider)
        contract = Contract.objects.create(
            award=award, bid=bid, provider=bid.provider, valid_from=tender.contract_start,
            valid_to=tender.contract_end, exclusive=not tender.free_choice, approval=approval, signed_by=actor,
        )
        contracts.append(contract)
        audit_record(actor=actor, municipality_id=tender.municipality_id, action="tender.contract_sign",
                     obj=contract, payload={"lot": award.lot.number, "provider": str(bid.provider.public_id),
                                            "exclusive": contract.exclusive,
                                            "approval": str(approval.public_id) if approval else None})
    awards = Award.objects.filter(tender=tender)
    all_awarded = not Lot.objects.filter(tender=tender, award__isnull=True).exists()
    if all_awarded and not awards.filter(contracts__isnull=True).exists():
        tender.status = TenderStatus.CONTRACTED
        tender.save(update_fields=["status", "updated_at"])
    return contracts
