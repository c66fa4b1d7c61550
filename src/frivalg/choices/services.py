"""Writes for choosing, switching and default assignment of providers."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.assessments.models import Decision, DecisionStatus
from frivalg.changerequests.services import allocation_send
from frivalg.choices import rules
from frivalg.choices.models import Choice, ChoiceHow, DefaultRule
from frivalg.choices.selectors import eligible_providers, open_choice
from frivalg.core import roles
from frivalg.core.models import User
from frivalg.core.selectors import citizens_represented_by, has_permission
from frivalg.core.services import audit_record
from frivalg.providers.models import Provider
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


def _require_eligible(decision: Decision, provider: Provider, *, new_client: bool) -> None:
    match = eligible_providers(decision).filter(pk=provider.pk).first()
    if match is None:
        raise ValidationError(
            {"provider": _("This provider is not approved for the service in the citizen's district.")}
        )
    if new_client and getattr(match, "closed_for_new"):  # noqa: B009
        raise ValidationError({"provider": _("This provider does not accept new clients at the moment.")})
    if new_client and _capacity_left(match) == 0:
        raise ValidationError({"provider": _("This provider has no free capacity at the moment.")})


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
        valid_from=max(decision.valid_from, timezone.localdate()),
        how=ChoiceHow.ACTIVE,
        chosen_by=actor,
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
    *, actor: User, decision: Decision, provider: Provider, notice_days: int = rules.DEFAULT_SWITCH_NOTICE_DAYS
) -> Choice:
    """Switch provider with notice: the old provider delivers until the day before the new one
    takes over; its visits planned from then on are cancelled; the history is kept."""
    _require_may_choose(actor, decision)
    _require_open_for_choice(decision)
    previous = open_choice(decision)
    if previous is None:
        raise ValidationError({"provider": _("There is no provider to switch from yet: choose one.")})
    if previous.provider_id == provider.pk:
        raise ValidationError({"provider": _("This is already the citizen's provider.")})
    if notice_days < 0:
        raise ValidationError({"notice_days": _("The notice cannot be negative.")})
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
def choice_assign_default(*, actor: User | None, decision: Decision, rule: str) -> Choice:
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
    choice = Choice.objects.create(
        municipality_id=decision.municipality_id,
        decision=decision,
        provider_id=picked,
        valid_from=max(decision.valid_from, timezone.localdate()),
        how=ChoiceHow.DEFAULT,
        default_rule=rule,
        chosen_by=actor,
        reason=_("Assigned by the default rule: %(rule)s") % {"rule": DefaultRule(rule).label},
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
