"""Reads, always scoped to the acting user. Access to a citizen's records is decided here, in
one place; other apps' selectors build on `citizens_visible_to` or apply the same branches to
their own objects (a provider sees only its own visits, a caregiver only today's own)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from frivalg.core import roles
from frivalg.core.models import AuditEvent, Citizen, District, Municipality, User

AnyUser = User | AnonymousUser

#: Relation paths from Citizen to the people of the provider that delivers to it. Written as
#: lookups so core imports no domain app; tests in every app prove them.
_PROVIDER_STAFF_PATH = "decisions__choices__provider__staff__user"
_PROVIDER_STAFF_ACTIVE = "decisions__choices__provider__staff__active"
_CHOICE_OPEN = "decisions__choices__valid_to__isnull"
_CAREGIVER_PATH = "visits__caregiver__user"
_CAREGIVER_VISIT_DAY = "visits__planned_start__date"


def roles_of(user: AnyUser) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_frivalg_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, "_frivalg_roles", cached)  # noqa: B010 - a per-request cache on the user object
    return cached


def has_permission(user: AnyUser, permission: roles.Permission) -> bool:
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    return bool(user.has_perm(permission.full_name))


def require(user: AnyUser, permission: roles.Permission) -> None:
    if not has_permission(user, permission):
        raise PermissionDenied(permission.description)


def is_municipal_staff(user: AnyUser) -> bool:
    return user.is_authenticated and getattr(user, "municipality_id", None) is not None


def today_for(user: AnyUser) -> date:
    return timezone.localdate()


def _citizen_q(user: User) -> Q:
    """Which citizens `user` may see, one condition per branch."""
    allowed = Q(pk__in=[])
    if is_municipal_staff(user) and has_permission(user, roles.CITIZEN_VIEW_MUNICIPALITY):
        allowed |= Q(municipality_id=user.municipality_id)
    if is_municipal_staff(user) and has_permission(user, roles.CITIZEN_VIEW_CASELOAD):
        allowed |= Q(municipality_id=user.municipality_id, caseworker=user)
    if has_permission(user, roles.CITIZEN_VIEW_OWN):
        allowed |= Q(user=user)
        allowed |= Q(
            attorneys__attorney=user,
            attorneys__valid_from__lte=today_for(user),
        ) & (Q(attorneys__valid_to__isnull=True) | Q(attorneys__valid_to__gte=today_for(user)))
    if has_permission(user, roles.PROVIDER_VIEW_CLIENTS):
        allowed |= Q(**{_PROVIDER_STAFF_PATH: user, _PROVIDER_STAFF_ACTIVE: True, _CHOICE_OPEN: True})
    if has_permission(user, roles.VISIT_VIEW_OWN):
        allowed |= Q(**{_CAREGIVER_PATH: user, _CAREGIVER_VISIT_DAY: today_for(user)})
    return allowed


def citizens_visible_to(user: AnyUser) -> QuerySet[Citizen]:
    if not user.is_authenticated:
        return Citizen.objects.none()
    assert isinstance(user, User)
    visible_ids = Citizen.objects.filter(_citizen_q(user)).values("pk")
    return Citizen.objects.filter(pk__in=visible_ids).select_related("district", "municipality")


def citizen_get(*, actor: AnyUser, public_id: UUID | str) -> Citizen:
    """One citizen's record. Raises Citizen.DoesNotExist when the actor may not see it; a read
    by staff or provider people is written to the audit trail."""
    citizen = citizens_visible_to(actor).get(public_id=public_id)
    if is_reading_someone_else(actor, citizen):
        assert isinstance(actor, User)
        AuditEvent.objects.create(
            municipality_id=citizen.municipality_id, actor=actor, actor_label=actor.username,
            action="citizen.read", object_type="citizen", object_id=str(citizen.public_id), payload={},
        )
    return citizen


def is_reading_someone_else(actor: AnyUser, citizen: Citizen) -> bool:
    return actor.is_authenticated and citizen.user_id != actor.pk


def citizen_can_see_national_id(actor: AnyUser, citizen: Citizen) -> bool:
    if citizen.user_id is not None and citizen.user_id == actor.pk:
        return True
    return (
        is_municipal_staff(actor)
        and getattr(actor, "municipality_id", None) == citizen.municipality_id
        and has_permission(actor, roles.CITIZEN_VIEW_NATIONAL_ID)
    )


def citizens_represented_by(user: AnyUser) -> QuerySet[Citizen]:
    """The citizen a user is, and those they act for by power of attorney (for citizen pages)."""
    if not has_permission(user, roles.CITIZEN_VIEW_OWN):
        return Citizen.objects.none()
    assert isinstance(user, User)
    today = today_for(user)
    own = Q(user=user)
    by_attorney = Q(attorneys__attorney=user, attorneys__valid_from__lte=today) & (
        Q(attorneys__valid_to__isnull=True) | Q(attorneys__valid_to__gte=today)
    )
    ids = Citizen.objects.filter(own | by_attorney).values("pk")
    return Citizen.objects.filter(pk__in=ids).select_related("district")


def municipality_of(user: AnyUser) -> Municipality | None:
    if not is_municipal_staff(user):
        return None
    assert isinstance(user, User)
    return user.municipality


def districts_for(user: AnyUser) -> QuerySet[District]:
    if not isinstance(user, User) or user.municipality_id is None:
        return District.objects.none()
    return District.objects.filter(municipality_id=user.municipality_id)


def audit_events_for(user: AnyUser) -> QuerySet[AuditEvent]:
    if not isinstance(user, User) or user.municipality_id is None:
        return AuditEvent.objects.none()
    if not has_permission(user, roles.AUDIT_VIEW):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(municipality_id=user.municipality_id)
