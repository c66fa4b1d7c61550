"""Reads of choices: the current provider of a decision, its history, the providers a citizen
may choose among, and a provider's clients."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from frivalg.assessments.models import Decision
from frivalg.assessments.selectors import decisions_for
from frivalg.choices.models import Choice
from frivalg.core import roles
from frivalg.core.selectors import AnyUser, has_permission, today_for
from frivalg.providers.models import ApprovalStatus, Provider
from frivalg.providers.selectors import provider_ids_of


def choices_for(*, actor: AnyUser, decision: Decision) -> QuerySet[Choice]:
    """The whole history of who delivered a decision (the decision must be visible)."""
    if not decisions_for(actor=actor).filter(pk=decision.pk).exists():
        return Choice.objects.none()
    return Choice.objects.filter(decision=decision).select_related("provider", "chosen_by").order_by("valid_from", "id")


def current_choice(*, actor: AnyUser, decision: Decision) -> Choice | None:
    """The provider delivering now, or the one that takes over next if none yet."""
    today = today_for(actor)
    history = choices_for(actor=actor, decision=decision)
    current = history.filter(valid_from__lte=today).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)).last()
    return current or history.filter(valid_from__gt=today).first()


def open_choice(decision: Decision) -> Choice | None:
    """The open-ended choice of a decision (internal: for services that already authorised)."""
    return Choice.objects.filter(decision=decision, valid_to__isnull=True).select_related("provider").first()


def eligible_providers(decision: Decision) -> QuerySet[Provider]:
    """Providers approved for the decision's service today and serving the citizen's district,
    annotated with `clients` (current clients for that service), `capacity` and `closed_for_new`
    (> 0 when the provider does not accept new clients). No actor: for services and selectors."""
    today = max(decision.valid_from, timezone.localdate())
    approved = Q(
        approvals__service_id=decision.service_id,
        approvals__status=ApprovalStatus.APPROVED,
        approvals__valid_from__lte=today,
    ) & (Q(approvals__valid_to__isnull=True) | Q(approvals__valid_to__gte=today))
    return (
        Provider.objects.filter(approved, districts=decision.citizen.district_id)
        .annotate(
            clients=Count(
                "choices",
                filter=Q(choices__valid_to__isnull=True, choices__decision__service_id=decision.service_id),
                distinct=True,
            ),
            capacity=Max("approvals__capacity", filter=Q(approvals__service_id=decision.service_id)),
            closed_for_new=Count(
                "approvals",
                filter=Q(approvals__service_id=decision.service_id, approvals__accepting_new_clients=False),
                distinct=True,
            ),
        )
        .distinct()
        .order_by("name")
    )


def providers_to_choose_from(*, actor: AnyUser, decision: Decision) -> QuerySet[Provider]:
    """What the citizen (or their relative, or the assessor) compares and chooses among."""
    if not decisions_for(actor=actor).filter(pk=decision.pk).exists():
        return Provider.objects.none()
    if not (has_permission(actor, roles.CHOICE_MAKE_OWN) or has_permission(actor, roles.CHOICE_MAKE_MUNICIPALITY)):
        return Provider.objects.none()
    return eligible_providers(decision)


def clients_for(*, actor: AnyUser) -> QuerySet[Choice]:
    """A provider's current clients: the open choices of the actor's provider(s)."""
    if not has_permission(actor, roles.PROVIDER_VIEW_CLIENTS):
        return Choice.objects.none()
    return (
        Choice.objects.filter(provider_id__in=provider_ids_of(actor), valid_to__isnull=True)
        .select_related("decision__citizen__district", "decision__service", "provider")
        .order_by("decision__citizen__last_name", "decision__citizen__first_name")
    )
