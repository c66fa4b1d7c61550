"""Writes of the message cycle. Each runs in one transaction with its audit row. Posts that
carry the provider system's reference are idempotent: the same reference again returns the
first result (`created` is False) instead of a duplicate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.assessments import services as assessment_services
from frivalg.assessments.models import Decision, DecisionStatus, Frequency
from frivalg.assessments.rules import units_compatible
from frivalg.catalogue.models import Service, Unit
from frivalg.changerequests import rules
from frivalg.changerequests.models import (
    ChangeRequest,
    ChangeRequestKind,
    ChangeRequestStatus,
    FrameAdjustment,
    FramePeriod,
    Message,
    MessageKind,
    ResponseDeadline,
    StopReason,
)
from frivalg.changerequests.selectors import (
    change_request_by_reference,
    change_request_due_on,
    choices_awaiting_allocation,
    frame_adjustment_by_reference,
    message_by_reference,
)
from frivalg.choices.models import Choice
from frivalg.choices.selectors import open_choice
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.selectors import require
from frivalg.core.services import audit_record
from frivalg.providers.models import Provider
from frivalg.providers.selectors import admin_provider_ids_of

T = TypeVar("T")

MAX_REFERENCE_LENGTH = 100


def _local_today(municipality: Municipality) -> date:
    """Today in the municipality's time zone."""
    return timezone.localdate(timezone.now(), timezone=ZoneInfo(municipality.time_zone))


def _require_delivering_provider(actor: User, decision: Decision) -> Provider:
    """Only the provider the citizen has chosen for the decision may send about it."""
    require(actor, roles.CHANGE_REQUEST_SEND)
    current = open_choice(decision)
    if current is None:
        raise ValidationError({"decision": _("No provider delivers this decision now.")})
    if current.provider_id not in admin_provider_ids_of(actor):
        raise PermissionDenied(_("Only the provider the citizen has chosen may send messages about this decision."))
    return current.provider


def _check_reference(external_reference: str) -> str:
    reference = external_reference.strip()
    if len(reference) > MAX_REFERENCE_LENGTH:
        raise ValidationError({"external_reference": _("The reference may be at most %(n)s characters long.")
                               % {"n": MAX_REFERENCE_LENGTH}})
    return reference


def _idempotent(find: Callable[[], T | None], create: Callable[[], T]) -> tuple[T, bool]:
    """Create once per reference; the same reference again (even concurrently) is the first."""
    existing = find()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        again = find()
        if again is None:
            raise
        return again, False


def _require_same_reference_target(existing_decision_id: int, decision: Decision) -> None:
    if existing_decision_id != decision.pk:
        raise ValidationError({"external_reference": _("This reference was already used for another decision.")})


# --- allocations ---------------------------------------------------------------------------


def _decision_summary(decision: Decision) -> dict[str, Any]:
    return {
        "decision": str(decision.public_id),
        "citizen": str(decision.citizen.public_id),
        "service": decision.service.code,
        "amount": str(decision.amount),
        "unit": decision.unit,
        "frequency": decision.frequency,
        "flexibility": decision.flexibility,
        "valid_from": decision.valid_from.isoformat(),
        "valid_to": decision.valid_to.isoformat() if decision.valid_to else None,
    }


@transaction.atomic
def allocation_send(*, actor: User | None, choice: Choice) -> Message:
    """Tell the chosen provider it has a client (iWmo 301). Once per choice; None = the system."""
    existing = Message.objects.filter(choice=choice, kind=MessageKind.ALLOCATION).first()
    if existing is not None:
        return existing
    if actor is not None:
        require(actor, roles.DECISION_GRANT)
        if actor.municipality_id != choice.municipality_id:
            raise PermissionDenied(_("This belongs to another municipality."))
    if choice.valid_to is not None:
        raise ValidationError({"choice": _("This choice has ended.")})
    decision = choice.decision
    message = Message.objects.create(
        municipality_id=choice.municipality_id, decision=decision, provider_id=choice.provider_id, choice=choice,
        kind=MessageKind.ALLOCATION, event_date=choice.valid_from, sent_at=timezone.now(), sent_by=actor,
        payload={**_decision_summary(decision), "provider_from": choice.valid_from.isoformat()},
    )
    audit_record(actor=actor, municipality_id=choice.municipality_id, action="message.allocation", obj=message,
                 payload={"decision": str(decision.public_id), "provider": str(choice.provider.public_id)})
    return message


def allocations_backfill(*, actor: User | None, municipality: Municipality | None = None,
                         provider_ids: set[int] | None = None) -> list[Message]:
    """Send the allocations not yet sent for active choices (existing data, or choices made
    since the last run). Each allocation is its own transaction."""
    if actor is not None:
        require(actor, roles.DECISION_GRANT)
        if municipality is None or actor.municipality_id != municipality.pk:
            raise PermissionDenied(_("This belongs to another municipality."))
    pending = choices_awaiting_allocation(
        provider_ids=provider_ids, municipality_id=municipality.pk if municipality is not None else None
    )
    return [allocation_send(actor=actor, choice=choice) for choice in pending]


def allocations_sync_for_provider(*, actor: User) -> list[Message]:
    """Before a provider reads its allocations: send those owed to its provider(s)."""
    require(actor, roles.PROVIDER_VIEW_CLIENTS)
    return allocations_backfill(actor=None, provider_ids=admin_provider_ids_of(actor))


@transaction.atomic
def allocation_acknowledge(*, actor: User, message: Message) -> Message:
    require(actor, roles.PROVIDER_VIEW_CLIENTS)
    if message.kind != MessageKind.ALLOCATION or message.provider_id not in admin_provider_ids_of(actor):
        raise PermissionDenied(_("This allocation is not for your provider."))
    if message.acknowledged_at is None:
        message.acknowledged_at = timezone.now()
        message.acknowledged_by = actor
        message.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
        audit_record(actor=actor, municipality_id=message.municipality_id, action="message.allocation_acknowledge",
                     obj=message, payload={"decision": str(message.decision.public_id)})
    return message


# --- start and stop of care ----------------------------------------------------------------


def _check_care_date(decision: Decision, day: date, field: str) -> None:
    if day < decision.valid_from:
        raise ValidationError({field: _("The date is before the decision is valid.")})
    if decision.valid_to is not None and day > decision.valid_to:
        raise ValidationError({field: _("The date is after the decision ends.")})


def _message_send(*, actor: User, decision: Decision, provider: Provider, kind: str, event_date: date,
                  reference: str, stop_reason: str = "", note: str = "") -> tuple[Message, bool]:

    def find() -> Message | None:
        found = message_by_reference(provider_id=provider.pk, external_reference=reference)
        if found is not None:
            _require_same_reference_target(found.decision_id, decision)
        return found

    def create() -> Message:
        message = Message.objects.create(
            municipality_id=decision.municipality_id, decision=decision, provider=provider, kind=kind,
            event_date=event_date, stop_reason=stop_reason, sent_at=timezone.now(), sent_by=actor,
            external_reference=reference, payload={"note": note} if note else {},
        )
        audit_record(actor=actor, municipality_id=decision.municipality_id, action=f"message.{kind}", obj=message,
                     payload={"decision": str(decision.public_id), "date": event_date.isoformat(),
                              "stop_reason": stop_reason, "reference": reference})
        return message

    return _idempotent(find, create)


def start_of_care_send(*, actor: User, decision: Decision, start_date: date,
                       external_reference: str = "") -> tuple[Message, bool]:
    """The provider has started delivering (iWmo 305)."""
    provider = _require_delivering_provider(actor, decision)
    reference = _check_reference(external_reference)
    if decision.status != DecisionStatus.GRANTED:
        raise ValidationError({"decision": _("Care can only start on a granted decision.")})
    _check_care_date(decision, start_date, "start_date")
    return _message_send(actor=actor, decision=decision, provider=provider, kind=MessageKind.START_OF_CARE,
                         event_date=start_date, reference=reference)


def stop_of_care_send(*, actor: User, decision: Decision, stop_date: date, reason: str, note: str = "",
                      external_reference: str = "") -> tuple[Message, bool]:
    """The provider has stopped delivering, with a reason code (iWmo 307)."""
    provider = _require_delivering_provider(actor, decision)
    reference = _check_reference(external_reference)
    if reason not in StopReason.values:
        raise ValidationError({"reason": _("Choose a reason for stopping.")})
    if reason == StopReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Describe the reason for stopping.")})
    if stop_date < decision.valid_from:
        raise ValidationError({"stop_date": _("The date is before the decision is valid.")})
    return _message_send(actor=actor, decision=decision, provider=provider, kind=MessageKind.STOP_OF_CARE,
                         event_date=stop_date, stop_reason=reason, note=note.strip(), reference=reference)


# --- change requests -----------------------------------------------------------------------


def _evidence_errors(evidence: UploadedFile) -> tuple[str, dict[str, str]]:
    size = evidence.size or 0
    evidence.seek(0)
    head = evidence.read(16)
    evidence.seek(0)
    problem = rules.evidence_problem(head, size)
    messages = {
        "empty": _("The file is empty."),
        "too_big": _("The file is larger than 10 MB."),
        "wrong_type": _("The evidence must be a PDF, JPEG or PNG file."),
    }
    content_type = rules.sniff_content_type(head) or ""
    return content_type, ({"evidence": messages[problem]} if problem else {})


def _parse_amount(value: Decimal | str | None, errors: dict[str, str]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors["requested_amount"] = _("Enter a number.")
        return None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("10000000"):
        errors["requested_amount"] = _("The amount must be greater than zero.")
        return None
    return amount.quantize(Decimal("0.01"))


def change_request_create(
    *,
    actor: User,
    decision: Decision,
    kind: str,
    reason: str,
    requested_amount: Decimal | str | None = None,
    requested_unit: str = "",
    requested_frequency: str = "",
    requested_service: Service | None = None,
    evidence: UploadedFile | None = None,
    external_reference: str = "",
) -> tuple[ChangeRequest, bool]:
    """A provider asks to change a decision (iWmo 317). The answer is due after the
    municipality's number of working days (weekends and public holidays excluded)."""
    provider = _require_delivering_provider(actor, decision)
    reference = _check_reference(external_reference)

    def find() -> ChangeRequest | None:
        found = change_request_by_reference(provider_id=provider.pk, external_reference=reference)
        if found is not None:
            _require_same_reference_target(found.decision_id, decision)
        return found

    already = find()
    if already is not None:
        return already, False
    errors: dict[str, str] = {}
    if kind not in ChangeRequestKind.values:
        errors["kind"] = _("Choose what you request.")
    if decision.status != DecisionStatus.GRANTED:
        errors["decision"] = _("Only a granted decision can be changed.")
    if not reason.strip():
        errors["reason"] = _("Give the reason for the request.")
    amount = _parse_amount(requested_amount, errors)
    if kind in {ChangeRequestKind.MORE_TIME, ChangeRequestKind.LESS_TIME} and amount is None:
        errors.setdefault("requested_amount", _("Give the amount you request."))
    if requested_unit and requested_unit not in Unit.values:
        errors["requested_unit"] = _("Unknown unit.")
    elif amount is not None and not requested_unit:
        errors["requested_unit"] = _("Give the unit of the amount.")
    elif requested_unit and not units_compatible(decision.service.unit, requested_unit):
        errors["requested_unit"] = _("This service is granted in %(unit)s.") % {
            "unit": Unit(decision.service.unit).label}
    if requested_frequency and requested_frequency not in Frequency.values:
        errors["requested_frequency"] = _("Unknown frequency.")
    elif amount is not None and not requested_frequency:
        errors["requested_frequency"] = _("Give the frequency of the amount.")
    if kind == ChangeRequestKind.OTHER_SERVICE and requested_service is None:
        errors["requested_service"] = _("Choose the service you request.")
    if requested_service is not None and (
        requested_service.municipality_id != decision.municipality_id or not requested_service.active
    ):
        errors["requested_service"] = _("Choose an active service of the citizen's municipality.")
    content_type = ""
    if evidence is not None:
        content_type, evidence_errors = _evidence_errors(evidence)
        errors.update(evidence_errors)
    if errors:
        raise ValidationError(errors)

    def create() -> ChangeRequest:
        municipality = decision.municipality
        today = _local_today(municipality)
        due_on = change_request_due_on(municipality=municipality, requested_on=today)
        request = ChangeRequest(
            municipality_id=decision.municipality_id, decision=decision, provider=provider, kind=kind,
            requested_amount=amount, requested_unit=requested_unit, requested_frequency=requested_frequency,
            requested_service=requested_service, reason=reason.strip(), requested_by=actor,
            requested_at=timezone.now(), due_on=due_on, external_reference=reference,
            evidence_content_type=content_type,
            evidence_name=(evidence.name or "")[:200] if evidence is not None else "",
        )
        if evidence is not None:
            request.evidence.save(evidence.name or "evidence", evidence, save=False)
        request.save()
        Message.objects.create(
            municipality_id=decision.municipality_id, decision=decision, provider=provider,
            kind=MessageKind.CHANGE_REQUEST, sent_at=request.requested_at, sent_by=actor,
            payload={"change_request": str(request.public_id), "kind": kind,
                     "requested_amount": str(amount) if amount is not None else None,
                     "requested_unit": requested_unit, "requested_frequency": requested_frequency,
                     "requested_service": requested_service.code if requested_service else None,
                     "due_on": due_on.isoformat()},
        )
        audit_record(actor=actor, municipality_id=decision.municipality_id, action="change_request.create",
                     obj=request, payload={"decision": str(decision.public_id), "kind": kind,
                                           "due_on": due_on.isoformat(), "reference": reference})
        return request

    return _idempotent(find, create)


@transaction.atomic
def change_request_withdraw(*, actor: User, change_request: ChangeRequest) -> ChangeRequest:
    require(actor, roles.CHANGE_REQUEST_SEND)
    if change_request.provider_id not in admin_provider_ids_of(actor):
        raise PermissionDenied(_("Only the provider that sent the request may withdraw it."))
    if not change_request.is_open:
        raise ValidationError({"status": _("Only an open request can be withdrawn.")})
    change_request.status = ChangeRequestStatus.WITHDRAWN
    change_request.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, municipality_id=change_request.municipality_id, action="change_request.withdraw",
                 obj=change_request, payload={})
    return change_request


ANSWERS = (ChangeRequestStatus.APPROVED, ChangeRequestStatus.PARTLY_APPROVED, ChangeRequestStatus.REJECTED)


@transaction.atomic
def change_request_answer(
    *,
    actor: User,
    change_request: ChangeRequest,
    status: str,
    answer_text: str = "",
    valid_from: date | None = None,
    amount: Decimal | str | None = None,
    unit: str | None = None,
    frequency: str | None = None,
    service: Service | None = None,
) -> ChangeRequest:
    """The assessor's answer (iWmo 319). Approved or partly approved: the decision is amended
    from `valid_from` with the granted amount/unit/frequency/service (a new decision version);
    a reassessment request approved needs no amendment. Partly and rejected need a reason."""
    require(actor, roles.DECISION_GRANT)
    if actor.municipality_id != change_request.municipality_id:
        raise PermissionDenied(_("This belongs to another municipality."))
    request = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    errors: dict[str, str] = {}
    if not request.is_open:
        raise ValidationError({"status": _("This request has already been answered or withdrawn.")})
    if status not in ANSWERS:
        errors["status"] = _("Choose approved, partly approved or rejected.")
    if status in {ChangeRequestStatus.PARTLY_APPROVED, ChangeRequestStatus.REJECTED} and not answer_text.strip():
        errors["answer_text"] = _("Explain the answer to the provider.")
    amends = status in {ChangeRequestStatus.APPROVED, ChangeRequestStatus.PARTLY_APPROVED} and (
        request.kind != ChangeRequestKind.REASSESSMENT
    )
    if status == ChangeRequestStatus.APPROVED and amends:
        amount = request.requested_amount if amount in (None, "") else amount
        unit = unit or request.requested_unit or None
        frequency = frequency or request.requested_frequency or None
        service = service or request.requested_service
    if amends and valid_from is None:
        errors["valid_from"] = _("Give the day the change takes effect.")
    if amends and amount in (None, "") and service is None:
        errors["amount"] = _("Give the amount granted.")
    if errors:
        raise ValidationError(errors)
    amended: Decision | None = None
    if amends:
        assert valid_from is not None
        reason = answer_text.strip() or _("Change request from %(provider)s approved.") % {
            "provider": request.provider.name}
        amended = assessment_services.decision_amend(
            actor=actor, decision=request.decision, valid_from=valid_from, reason=reason,
            amount=amount if amount not in (None, "") else None, unit=unit or None, frequency=frequency or None,
            service=service, source="change_request",
        )
    request.status = status
    request.answer_text = answer_text.strip()
    request.answered_by = actor
    request.answered_at = timezone.now()
    request.amended_decision = amended
    request.save()
    Message.objects.create(
        municipality_id=request.municipality_id, decision=request.decision, provider=request.provider,
        kind=MessageKind.ANSWER, sent_at=request.answered_at, sent_by=actor,
        payload={"change_request": str(request.public_id), "status": status, "answer": request.answer_text,
                 "amended_decision": str(amended.public_id) if amended else None},
    )
    audit_record(actor=actor, municipality_id=request.municipality_id, action="change_request.answer", obj=request,
                 payload={"status": status, "amended_decision": str(amended.public_id) if amended else None})
    return request


@transaction.atomic
def response_deadline_set(*, actor: User, working_days: int) -> ResponseDeadline:
    require(actor, roles.GUIDELINE_MANAGE)
    if actor.municipality_id is None:
        raise PermissionDenied(_("Only staff of a municipality may set its deadline."))
    if not rules.MIN_RESPONSE_WORKING_DAYS <= working_days <= rules.MAX_RESPONSE_WORKING_DAYS:
        raise ValidationError({"working_days": _("Between %(low)s and %(high)s working days.") % {
            "low": rules.MIN_RESPONSE_WORKING_DAYS, "high": rules.MAX_RESPONSE_WORKING_DAYS}})
    row, _created = ResponseDeadline.objects.update_or_create(
        municipality_id=actor.municipality_id, defaults={"working_days": working_days})
    audit_record(actor=actor, municipality_id=actor.municipality_id, action="response_deadline.set", obj=row,
                 payload={"working_days": working_days})
    return row


# --- adjustments within the frame ----------------------------------------------------------


def frame_adjustment_record(
    *,
    actor: User,
    decision: Decision,
    period_kind: str,
    period_day: date,
    description: str,
    minutes_moved: int,
    moved_from: str,
    moved_to: str,
    planned_minutes_after: int,
    external_reference: str = "",
) -> tuple[FrameAdjustment, bool]:
    """Record time moved inside the granted amount — allowed without approval only when the
    period's planned minutes after the move stay within what is granted for the period."""
    provider = _require_delivering_provider(actor, decision)
    reference = _check_reference(external_reference)

    def find() -> FrameAdjustment | None:
        found = frame_adjustment_by_reference(provider_id=provider.pk, external_reference=reference)
        if found is not None:
            _require_same_reference_target(found.decision_id, decision)
        return found

    already = find()
    if already is not None:
        return already, False
    errors: dict[str, str] = {}
    if period_kind not in FramePeriod.values:
        raise ValidationError({"period_kind": _("Choose week or month.")})
    period = rules.frame_period(period_kind, period_day)
    grant = rules.Grant(amount=decision.amount, unit=decision.unit, frequency=decision.frequency)
    granted = rules.granted_minutes(grant, period_kind, period.days)
    if granted is None:
        raise ValidationError({"decision": _("Only a grant of time per day, week or month has a frame to move "
                                             "time within.")})
    if decision.status != DecisionStatus.GRANTED:
        errors["decision"] = _("Only a granted decision can be adjusted.")
    if period.end <= decision.valid_from or (decision.valid_to is not None and period.start > decision.valid_to):
        errors["period_day"] = _("The period is outside the decision's validity.")
    for field, text in (("description", description), ("moved_from", moved_from), ("moved_to", moved_to)):
        if not text.strip():
            errors[field] = _("This field is required.")
    messages = {
        "not_positive": _("Move at least one minute."),
        "more_than_granted": _("You cannot move more minutes than are granted in the period (%(granted)s)."),
        "negative": _("The planned minutes cannot be negative."),
        "over_frame": _("After the move the period would have %(planned)s minutes planned, more than the "
                        "%(granted)s granted. Send a change request instead."),
    }
    move = rules.FrameMove(granted_minutes=granted, minutes_moved=minutes_moved,
                           planned_minutes_after=planned_minutes_after)
    for field, code in rules.frame_move_problems(move).items():
        errors[field] = messages[code] % {"granted": granted, "planned": planned_minutes_after}
    if errors:
        raise ValidationError(errors)

    def create() -> FrameAdjustment:
        adjustment = FrameAdjustment.objects.create(
            municipality_id=decision.municipality_id, decision=decision, provider=provider, recorded_by=actor,
            period_kind=period_kind, period_start=period.start, description=description.strip(),
            minutes_moved=minutes_moved, moved_from=moved_from.strip(), moved_to=moved_to.strip(),
            planned_minutes_after=planned_minutes_after, granted_minutes=granted, external_reference=reference,
        )
        audit_record(actor=actor, municipality_id=decision.municipality_id, action="frame_adjustment.record",
                     obj=adjustment, payload={"decision": str(decision.public_id), "period": str(period),
                                              "minutes_moved": minutes_moved, "granted_minutes": granted,
                                              "planned_minutes_after": planned_minutes_after})
        return adjustment

    return _idempotent(find, create)
