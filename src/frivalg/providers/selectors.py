"""Reads of providers, their approvals and their people, scoped to the actor.

Municipal staff see the providers that hold (or have applied for) an approval in their
municipality, and its in-house provider; a provider's people see their own provider."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet

from frivalg.core.models import User
from frivalg.core.selectors import AnyUser, is_municipal_staff, municipality_of
from frivalg.providers.models import Approval, Provider, StaffMember, StaffRole


def provider_ids_of(user: AnyUser) -> set[int]:
    """The providers `user` works for (active staff rows)."""
    if not user.is_authenticated:
        return set()
    return set(StaffMember.objects.filter(user_id=user.pk, active=True).values_list("provider_id", flat=True))


def admin_provider_ids_of(user: AnyUser) -> set[int]:
    """The providers `user` administers (active staff rows with the admin role)."""
    if not user.is_authenticated:
        return set()
    return set(
        StaffMember.objects.filter(user_id=user.pk, active=True, role=StaffRole.ADMIN).values_list(
            "provider_id", flat=True
        )
    )


def is_provider_admin(user: AnyUser, provider_id: int) -> bool:
    return provider_id in admin_provider_ids_of(user)


def staff_member_of(user: AnyUser) -> StaffMember | None:
    """The user's (first) active staff row, with its provider; None for everyone else."""
    if not user.is_authenticated:
        return None
    return StaffMember.objects.select_related("provider").filter(user_id=user.pk, active=True).order_by("id").first()


def _staff_provider_q(user: User) -> Q:
    """Providers related to a municipal staff member's municipality."""
    in_municipality = Q(approvals__municipality_id=user.municipality_id)
    owned = Q(owner_municipality_id=user.municipality_id)
    return in_municipality | owned


def providers_for(*, actor: AnyUser) -> QuerySet[Provider]:
    if not actor.is_authenticated:
        return Provider.objects.none()
    assert isinstance(actor, User)
    allowed = Q(pk__in=[])
    if is_municipal_staff(actor):
        allowed |= _staff_provider_q(actor)
    own = provider_ids_of(actor)
    if own:
        allowed |= Q(pk__in=own)
    ids = Provider.objects.filter(allowed).values("pk")
    return Provider.objects.filter(pk__in=ids)


def provider_get(*, actor: AnyUser, public_id: UUID | str) -> Provider:
    """One provider; Provider.DoesNotExist when the actor may not see it."""
    return providers_for(actor=actor).get(public_id=public_id)


def approvals_for(*, actor: AnyUser) -> QuerySet[Approval]:
    """Staff: every approval in their municipality. A provider's admins: their provider's
    approvals in every municipality."""
    if not actor.is_authenticated:
        return Approval.objects.none()
    allowed = Q(pk__in=[])
    municipality = municipality_of(actor)
    if municipality is not None:
        allowed |= Q(municipality=municipality)
    administered = admin_provider_ids_of(actor)
    if administered:
        allowed |= Q(provider_id__in=administered)
    return Approval.objects.filter(allowed).select_related("provider", "service", "municipality")


def caregivers_for(*, actor: AnyUser, provider: Provider) -> QuerySet[StaffMember]:
    """A provider's active people; only the provider's own admins may list them."""
    if not is_provider_admin(actor, provider.pk):
        return StaffMember.objects.none()
    return StaffMember.objects.filter(provider=provider, active=True).select_related("user")
