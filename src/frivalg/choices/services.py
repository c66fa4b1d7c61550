"""Writes for choosing, switching and default assignment of providers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.assessments.models import Decision, DecisionStatus
from frivalg.changerequests.services import allocation_send
from frivalg.choices import rules
from frivalg.choices.models import (
    Choice,
    ChoiceHow,
    Complaint,
    ComplaintOutcome,
    DefaultRule,
    DefaultRuleSetting,
    Initiator,
    ProviderRating,
    ProviderTermination,
    TerminationReason,
)
from frivalg.choices.selectors import (
    choose_by_of,
    decisions_due_for_default,
    default_rule_setting_of,
    eligible_providers,
    may_follow_choices,
    may_manage_default_rule,
    open_choice,
)
from frivalg.core import roles
from frivalg.core.models import Citizen, Municipality, User
from frivalg.core.selectors import citizens_represented_by, has_permission
from frivalg.core.services import audit_record
from frivalg.providers.models import Approval, Provider
from frivalg.providers.selectors import provider_ids_of
from frivalg.visits.services import visits_cancel_from


def _require_may_choose(actor: User, decision: Decision) -> None:
    """The citizen, a relative holding power of attorney, or staff of the municipality."""
    if has_permission(actor, roles.CHOICE_MAKE_MUNICIPALITY) and actor.municipality_id == decision.municipality_id:
        return
    if (
        has_permission(actor, roles.CHOICE_MAKE_OWN)
        and citizens_represented_by(actor).filter(pk=decision.citizen_id).exists()
    ):
        return
    raise PermissionDenied(_("You cannot choose a provider for this decision."))


def _require_open_for_choice(decision: Decision) -> None:
    if decision.status != DecisionStatus.GRANTED:
        raise ValidationError({"decision": _("A provider can only be chosen for a granted decision.")})
    if decision.valid_to is not None and decision.valid_to < timezone.localdate():
        raise ValidationError({"decision": _("The decision has ended.")})


def _alternatives(decision: Decision, provider_id: int) -> str:
    names = [p.name for p in eligible_providers(decision).exclude(pk=provider_id) if _capacity_left(p) != 0]
    return ", ".join(names) if names else _("none at the moment — please call the municipality")


def _require_eligible(decision: Decision, provider: Provider, *, new_client: bool) -> None:
    """Approved for the service in the citizen's district, and — for a new client — with a free
    place. The approval row is locked first, so two citizens cannot take the last place: the
    second waits for the first to commit, then counts its choice."""
    if new_client:
        list(Approval.objects.select_for_update().filter(provider=provider, service_id=decision.service_id))
    match = eligible_providers(decision).filter(pk=provider.pk).first()
    if match is None:
        raise ValidationError(
            {"provider": _("This provider is not approved for the service in the citizen's district.")}
        )
    if new_client and _capacity_left(match) == 0:
        raise ValidationError({"provider": _(
            "%(provider)s has no free places at the moment; these providers have places: %(others)s."
        ) % {"provider": provider.name, "others": _alternatives(decision, provider.pk)}})


def _initiator_of(actor: User | None, decision: Decision) -> str:
    if actor is None:
        return Initiator.SYSTEM
    if decision.citizen.user_id == actor.pk:
        return Initiator.CITIZEN
    if has_permission(actor, roles.CHOICE_MAKE_MUNICIPALITY):
        return Initiator.ASSESSOR
    return Initiator.RELATIVE


def _start_after_previous(decision: Decision) -> date:
    """A new provider starts on the decision's start or today, and after any earlier choice ended."""
    start = max(decision.valid_from, timezone.localdate())
    last_end = (
        Choice.objects.filter(decision=decision, valid_to__isnull=False).order_by("-valid_to")
        .values_list("valid_to", flat=True).first()
    )
    if last_end is not None and last_end >= start:
        start = last_end + timedelta(days=1)
    return start


@transaction.atomic
def choice_make(*, actor: User, decision: Decision, provider: Provider) -> Choice:
    """An active choice. If the decision already has a provider, this is a switch."""
    _require_may_choose(actor, decision)
    if open_choice(decision) is not None:
        return choice_switch(actor=actor, decision=decision, provider=provider)
    _require_open_for_choice(decision)
    _require_eligible(decision, provider, new_client=True)
    choice = Choice.objects.create(
        municipality_id=decision.municipality_id,
        decision=decision,
        provider=provider,
        valid_from=_start_after_previous(decision),
        how=ChoiceHow.ACTIVE,
        chosen_by=actor,
        initiated_by=_initiator_of(actor, decision),
    )
    audit_record(
        actor=actor,
        municipality_id=decision.municipality_id,
        action="choice.make",
        obj=choice,
        payload={"decision": str(decision.public_id), "provider": str(provider.public_id)},
    )
    allocation_send(actor=None, choice=choice)  # the provider hears of its new client (iWmo 301)
    return choice


@transaction.atomic
def choice_switch(
    *, actor: User, decision: Decision, provider: Provider, notice_days: int | None = None, reason: str = "",
) -> Choice:
    """Switch provider with notice (the municipality's, default 10 days, unless the caller passes
    another agreed notice — the pages and API let only the municipality's staff do so): the old
    provider delivers until the day before the new one takes over; its visits planned from then
    on are cancelled; the reason and who initiated it are kept with the history."""
    _require_may_choose(actor, decision)
    _require_open_for_choice(decision)
    previous = open_choice(decision)
    if previous is None:
        raise ValidationError({"provider": _("There is no provider to switch from yet: choose one.")})
    if previous.provider_id == provider.pk:
        raise ValidationError({"provider": _("This is already the citizen's provider.")})
    if notice_days is None:
        notice_days = switch_notice_days(decision.municipality_id)
    if notice_days < 0:
        raise ValidationError({"notice_days": _("The notice cannot be negative.")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("Please keep the reason under 2000 characters.")})
    _require_eligible(decision, provider, new_client=True)
    effective = max(rules.switch_effective_date(timezone.localdate(), notice_days), previous.valid_from + timedelta(1))
    previous.valid_to = effective - timedelta(days=1)
    previous.save(update_fields=["valid_to", "updated_at"])
    choice = Choice.objects.create(
        municipality_id=decision.municipality_id,
        decision=decision,
        provider=provider,
        valid_from=effective,
        how=ChoiceHow.ACTIVE,
        chosen_by=actor,
        previous=previous,
        reason=reason.strip(),
        initiated_by=_initiator_of(actor, decision),
    )
    cancelled = visits_cancel_from(actor=actor, decision=decision, provider_id=previous.provider_id, day=effective)
    audit_record(
        actor=actor,
        municipality_id=decision.municipality_id,
        action="choice.switch",
        obj=choice,
        payload={
            "decision": str(decision.public_id),
            "from": str(previous.provider.public_id),
            "to": str(provider.public_id),
            "effective": effective.isoformat(),
            "visits_cancelled": cancelled,
            "reason": reason.strip(),
        },
    )
    allocation_send(actor=None, choice=choice)  # the provider hears of its new client (iWmo 301)
    return choice


def _capacity_left(provider: Provider) -> int | None:
    """From the annotations of `eligible_providers`."""
    closed: int = getattr(provider, "closed_for_new")  # noqa: B009
    capacity: int | None = getattr(provider, "capacity")  # noqa: B009
    clients: int = getattr(provider, "clients")  # noqa: B009
    if closed:
        return 0
    if capacity is None:
        return None
    return max(capacity - clients, 0)


@transaction.atomic
def choice_assign_default(*, actor: User | None, decision: Decision, rule: str, reason: str = "") -> Choice:
    """Assign a provider by the municipality's default rule to a citizen who did not choose
    (ickevalsalternativ). The rule is stored on the choice. `actor` None is the scheduled job."""
    if actor is not None and not (
        has_permission(actor, roles.CHOICE_MAKE_MUNICIPALITY) and actor.municipality_id == decision.municipality_id
    ):
        raise PermissionDenied(_("You cannot assign a provider for this decision."))
    if rule not in DefaultRule.values:
        raise ValidationError({"rule": _("Unknown default rule.")})
    _require_open_for_choice(decision)
    if open_choice(decision) is not None:
        raise ValidationError({"decision": _("The decision has a provider already.")})
    providers = eligible_providers(decision).annotate(
        defaults=Count("choices", filter=Q(choices__how=ChoiceHow.DEFAULT), distinct=True)
    )
    candidates = [
        rules.Candidate(
            provider_id=p.pk,
            kind=p.kind,
            default_assignments=p.defaults,
            serves_district=True,  # eligible_providers serve the district
            capacity_left=_capacity_left(p),
        )
        for p in providers
    ]
    picked: int | None = rules.pick_default(rule, candidates, seed=str(decision.public_id))
    if picked is None:
        raise ValidationError({"rule": _("No approved provider with capacity can take this citizen.")})
    picked_provider = Provider.objects.get(pk=picked)
    _require_eligible(decision, picked_provider, new_client=True)  # locks the approval, counts again
    stated = _("Assigned by the default rule: %(rule)s.") % {"rule": DefaultRule(rule).label}
    choice = Choice.objects.create(
        municipality_id=decision.municipality_id,
        decision=decision,
        provider_id=picked,
        valid_from=_start_after_previous(decision),
        how=ChoiceHow.DEFAULT,
        default_rule=rule,
        chosen_by=actor,
        reason=f"{stated} {reason}".strip(),
        initiated_by=Initiator.SYSTEM if actor is None else Initiator.ASSESSOR,
    )
    audit_record(
        actor=actor,
        municipality_id=decision.municipality_id,
        action="choice.assign_default",
        obj=choice,
        payload={"decision": str(decision.public_id), "rule": rule, "provider_id": picked},
    )
    allocation_send(actor=None, choice=choice)  # the provider hears of its new client (iWmo 301)
    return choice


def switch_notice_days(municipality_id: int) -> int:
    return default_rule_setting_of(municipality_id).switch_notice_days


@dataclass(frozen=True)
class DefaultRunResult:
    assigned: list[Choice]
    failed: list[tuple[Decision, str]]


def choices_assign_defaults(*, actor: User | None, municipality: Municipality, today: date | None = None
                            ) -> DefaultRunResult:
    """Assign a provider by the municipality's default rule to every decision whose choice
    deadline passed without a choice. Each assignment is its own transaction; a decision no
    provider can take is reported, not fatal."""
    if actor is not None and not (may_follow_choices(actor) and actor.municipality_id == municipality.pk):
        raise PermissionDenied(_("You cannot assign providers by the default rule."))
    today = today or timezone.localdate()
    setting = default_rule_setting_of(municipality)
    assigned: list[Choice] = []
    failed: list[tuple[Decision, str]] = []
    for decision in decisions_due_for_default(municipality=municipality, today=today):
        deadline = choose_by_of(decision)
        why = _("No choice was made by the deadline %(date)s.") % {"date": deadline.isoformat() if deadline else "–"}
        try:
            assigned.append(choice_assign_default(actor=actor, decision=decision, rule=setting.rule, reason=why))
        except ValidationError as error:
            failed.append((decision, " ".join(error.messages)))
    return DefaultRunResult(assigned=assigned, failed=failed)


@transaction.atomic
def default_rule_setting_update(
    *, actor: User, rule: str, choice_deadline_days: int, switch_notice_days: int
) -> DefaultRuleSetting:
    """The purchaser manager sets the municipality's default rule, days to choose and notice."""
    if not may_manage_default_rule(actor) or actor.municipality_id is None:
        raise PermissionDenied(_("You cannot change the default rule."))
    errors: dict[str, str] = {}
    if rule not in DefaultRule.values:
        errors["rule"] = _("Choose one of the default rules.")
    if not 0 <= choice_deadline_days <= 365:
        errors["choice_deadline_days"] = _("Give the days to choose as 0 to 365.")
    if not 0 <= switch_notice_days <= 365:
        errors["switch_notice_days"] = _("Give the notice as 0 to 365 days.")
    if errors:
        raise ValidationError(errors)
    setting, _created = DefaultRuleSetting.objects.select_for_update().get_or_create(
        municipality_id=actor.municipality_id)
    before = {"rule": setting.rule, "choice_deadline_days": setting.choice_deadline_days,
              "switch_notice_days": setting.switch_notice_days}
    setting.rule = rule
    setting.choice_deadline_days = choice_deadline_days
    setting.switch_notice_days = switch_notice_days
    setting.updated_by = actor
    setting.save()
    audit_record(actor=actor, municipality_id=actor.municipality_id, action="default_rule_setting.update",
                 obj=setting, payload={"before": before, "after": {
                     "rule": rule, "choice_deadline_days": choice_deadline_days,
                     "switch_notice_days": switch_notice_days}})
    return setting


def _need_at(decision: Decision) -> tuple[str, dict[str, int], int | None]:
    """The assessed need behind the decision: scale, scores per area and need points."""
    assessment = decision.assessment
    if assessment is None:
        return "", {}, None
    scores = dict(assessment.scores.values_list("area_code", "score"))
    return assessment.scale, scores, rules.need_points(scores, assessment.scale)


@transaction.atomic
def provider_termination_record(
    *, actor: User, choice: Choice, reason_code: str, explanation: str, notice_days: int | None = None
) -> ProviderTermination:
    """A provider ends a client relationship with notice and a reason. The choice ends after the
    notice; the citizen must choose again within the municipality's days to choose, after which
    the default rule applies. The client's assessed need is recorded (cream-skimming follow-up)."""
    if not has_permission(actor, roles.PROVIDER_VIEW_CLIENTS) or choice.provider_id not in set(provider_ids_of(actor)):
        raise PermissionDenied(_("You can only end your own provider's client relationships."))
    choice = Choice.objects.select_for_update(of=("self",)).select_related(
        "decision__citizen", "decision__assessment", "provider").get(pk=choice.pk)
    today = timezone.localdate()
    if choice.valid_to is not None:
        raise ValidationError({"choice": _("This client relationship has already an end date.")})
    setting = default_rule_setting_of(choice.municipality_id)
    notice = setting.switch_notice_days if notice_days is None else notice_days
    errors: dict[str, str] = {}
    if reason_code not in TerminationReason.values:
        errors["reason_code"] = _("Choose the reason for ending the help.")
    if not explanation.strip():
        errors["explanation"] = _("Explain why the help ends: the municipality and the citizen read it.")
    if notice < setting.switch_notice_days:
        errors["notice_days"] = _("The notice is at least %(days)s days.") % {"days": setting.switch_notice_days}
    if errors:
        raise ValidationError(errors)
    last_day = max(today + timedelta(days=notice) - timedelta(days=1), choice.valid_from)
    choice.valid_to = last_day
    choice.save(update_fields=["valid_to", "updated_at"])
    decision = choice.decision
    scale, scores, points = _need_at(decision)
    termination = ProviderTermination.objects.create(
        municipality_id=choice.municipality_id, provider_id=choice.provider_id, decision=decision, choice=choice,
        reason_code=reason_code, explanation=explanation.strip(), notice_days=notice, last_day=last_day,
        choose_by=max(rules.choose_by(today, setting.choice_deadline_days), last_day),
        need_scale=scale, need_scores=scores, need_points=points, ended_by=actor,
    )
    cancelled = visits_cancel_from(actor=actor, decision=decision, provider_id=choice.provider_id,
                                   day=last_day + timedelta(days=1))
    audit_record(actor=actor, municipality_id=choice.municipality_id, action="provider_termination.record",
                 obj=termination, payload={"choice": str(choice.public_id), "reason_code": reason_code,
                                           "last_day": last_day.isoformat(), "need_points": points,
                                           "visits_cancelled": cancelled})
    return termination


def _require_represents(actor: User, citizen: Citizen) -> None:
    if not has_permission(actor, roles.CITIZEN_VIEW_OWN):
        raise PermissionDenied(_("Only the citizen or a relative with power of attorney can do this."))
    if not citizens_represented_by(actor).filter(pk=citizen.pk).exists():
        raise PermissionDenied(_("Only the citizen or a relative with power of attorney can do this."))


def _has_had_provider(citizen: Citizen, provider: Provider, today: date) -> bool:
    return Choice.objects.filter(decision__citizen=citizen, provider=provider, valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today - timedelta(days=90))).exists()


@transaction.atomic
def rating_submit(*, actor: User, citizen: Citizen, provider: Provider, answers: dict[str, int]) -> ProviderRating:
    """The citizen (or a relative) rates their current provider 1–5 on the fixed questions, at
    most once per provider and quarter."""
    _require_represents(actor, citizen)
    today = timezone.localdate()
    if not _has_had_provider(citizen, provider, today):
        raise ValidationError({"provider": _("You can rate a provider that helps you now.")})
    errors = {q: _("Answer with 1 to 5.") for q in ProviderRating.QUESTIONS
              if not isinstance(answers.get(q), int) or not 1 <= answers[q] <= 5}
    if errors:
        raise ValidationError(errors)
    quarter = rules.quarter_of(today)
    if ProviderRating.objects.filter(provider=provider, citizen=citizen, quarter=quarter).exists():
        raise ValidationError({"provider": _(
            "You have already rated %(provider)s this quarter. You can rate again from the next quarter."
        ) % {"provider": provider.name}})
    rating = ProviderRating.objects.create(
        municipality_id=citizen.municipality_id, provider=provider, citizen=citizen, quarter=quarter,
        rated_by=actor, **{q: answers[q] for q in ProviderRating.QUESTIONS})
    audit_record(actor=actor, municipality_id=citizen.municipality_id, action="provider_rating.submit",
                 obj=rating, payload={"provider": str(provider.public_id), "quarter": quarter})
    return rating


@transaction.atomic
def complaint_submit(*, actor: User, citizen: Citizen, provider: Provider, text: str) -> Complaint:
    """A complaint about a provider that helps or helped the citizen (the last 90 days)."""
    _require_represents(actor, citizen)
    today = timezone.localdate()
    if not _has_had_provider(citizen, provider, today):
        raise ValidationError({"provider": _("You can complain about a provider that helps or helped you.")})
    if not text.strip():
        raise ValidationError({"text": _("Write what the complaint is about.")})
    if len(text) > 5000:
        raise ValidationError({"text": _("Please keep the complaint under 5000 characters.")})
    complaint = Complaint.objects.create(municipality_id=citizen.municipality_id, citizen=citizen,
                                         provider=provider, text=text.strip(), received=today,
                                         submitted_by=actor)
    audit_record(actor=actor, municipality_id=citizen.municipality_id, action="complaint.submit",
                 obj=complaint, payload={"provider": str(provider.public_id)})
    return complaint


@transaction.atomic
def complaint_decide(*, actor: User, complaint: Complaint, outcome: str, note: str = "") -> Complaint:
    """The municipality records a complaint's outcome."""
    if not may_follow_choices(actor) or actor.municipality_id != complaint.municipality_id:
        raise PermissionDenied(_("You cannot decide this complaint."))
    if outcome not in ComplaintOutcome.values:
        raise ValidationError({"outcome": _("Choose upheld, partly upheld or rejected.")})
    complaint.outcome = outcome
    complaint.outcome_note = note.strip()
    complaint.decided_by = actor
    complaint.save(update_fields=["outcome", "outcome_note", "decided_by", "updated_at"])
    audit_record(actor=actor, municipality_id=complaint.municipality_id, action="complaint.decide",
                 obj=complaint, payload={"outcome": outcome})
    return complaint
