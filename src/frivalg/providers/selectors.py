"""Reads of providers, their approvals and their people, scoped to the actor.

Municipal staff see the providers that hold (or have applied for) an approval in their
municipality, and its in-house provider; a provider's people see their own provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import Count, Q, QuerySet

from frivalg.catalogue.models import Service
from frivalg.choices.models import Choice
from frivalg.core import roles
from frivalg.core.models import District, Municipality, User
from frivalg.core.selectors import AnyUser, has_permission, is_municipal_staff, municipality_of
from frivalg.providers import rules
from frivalg.providers.models import (
    Approval,
    ApprovalStatus,
    Provider,
    ReChoice,
    ReChoiceStatus,
    Requirement,
    RequirementAnswer,
    StaffMember,
    StaffRole,
)


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


# --- requirements and applications ------------------------------------------------------------


def is_provider_manager(actor: AnyUser, municipality_id: int) -> bool:
    """Municipal staff with PROVIDER_MANAGE in this municipality (the purchaser)."""
    return (
        is_municipal_staff(actor)
        and getattr(actor, "municipality_id", None) == municipality_id
        and has_permission(actor, roles.PROVIDER_MANAGE)
    )


def requirements_published(*, municipality: Municipality, on: date) -> QuerySet[Requirement]:
    """The requirements in force on `on`: public, the same for every provider (no actor)."""
    return (
        Requirement.objects.filter(municipality=municipality, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("service")
        .order_by("service__name", "code")
    )


def requirements_for_service(*, service: Service, on: date) -> QuerySet[Requirement]:
    """The requirements an application for `service` must meet on `on` (its own and the general ones)."""
    return requirements_published(municipality=service.municipality, on=on).filter(
        Q(service=service) | Q(service__isnull=True)
    )


def requirements_for(*, actor: AnyUser) -> QuerySet[Requirement]:
    """Every version of the municipality's requirements, for the purchaser."""
    municipality = municipality_of(actor)
    if municipality is None or not has_permission(actor, roles.PROVIDER_MANAGE):
        return Requirement.objects.none()
    return Requirement.objects.filter(municipality=municipality).select_related("service")


def approval_get(*, actor: AnyUser, public_id: UUID | str) -> Approval:
    """One approval the actor may see; Approval.DoesNotExist otherwise."""
    return approvals_for(actor=actor).get(public_id=public_id)


def applications_for(*, actor: AnyUser) -> QuerySet[Approval]:
    """The purchaser's queue: applications waiting for a decision, oldest first."""
    municipality = municipality_of(actor)
    if municipality is None or not has_permission(actor, roles.PROVIDER_MANAGE):
        return Approval.objects.none()
    return (
        Approval.objects.filter(municipality=municipality, status=ApprovalStatus.APPLIED)
        .select_related("provider", "service")
        .order_by("updated_at", "id")
    )


def _may_see_answers(actor: AnyUser, approval: Approval) -> bool:
    if is_provider_admin(actor, approval.provider_id):
        return True
    return is_provider_manager(actor, approval.municipality_id)


def answers_for(*, actor: AnyUser, approval: Approval) -> QuerySet[RequirementAnswer]:
    """An application's answers and their assessment: the provider's admins and the purchaser."""
    if not _may_see_answers(actor, approval):
        return RequirementAnswer.objects.none()
    return (
        RequirementAnswer.objects.filter(approval=approval)
        .select_related("requirement", "requirement__service", "assessed_by")
        .order_by("requirement__code", "requirement__version")
    )


def answer_get(*, actor: AnyUser, public_id: UUID | str) -> RequirementAnswer:
    """One answer (and its document); RequirementAnswer.DoesNotExist when the actor may not see it."""
    answer = RequirementAnswer.objects.select_related("approval", "requirement").get(public_id=public_id)
    if not _may_see_answers(actor, answer.approval):
        raise RequirementAnswer.DoesNotExist
    return answer


def approval_verdict_of(approval: Approval, on: date) -> rules.ApprovalVerdict:
    """Whether `approval` may be approved on `on`: every requirement in force is met (internal:
    for services that already authorised, and for the pages that show the verdict)."""
    answers = {a.requirement_id: a for a in RequirementAnswer.objects.filter(approval=approval)}
    assessments = []
    for requirement in requirements_for_service(service=approval.service, on=on):
        answer = answers.get(requirement.pk)
        assessments.append(
            rules.RequirementAssessment(
                code=requirement.code,
                outcome=answer.outcome if answer is not None else rules.PENDING,
                document_required=requirement.document_required,
                has_document=bool(answer is not None and answer.document),
            )
        )
    return rules.approval_verdict(assessments)


# --- capacity and clients who must choose again ------------------------------------------------


@dataclass(frozen=True)
class CapacityRow:
    service: Service
    district: District
    provider: Provider
    approval: Approval
    capacity: int | None
    clients: int
    places_left: int | None
    accepting: bool


@dataclass(frozen=True)
class CapacityOverview:
    rows: list[CapacityRow]
    without_provider: list[ReChoice]


def capacity_overview(*, actor: AnyUser, on: date) -> CapacityOverview:
    """Per service and district: the approved providers, their capacity, clients, places left and
    whether they take new clients; and the clients no provider could take, with the reason."""
    municipality = municipality_of(actor)
    if municipality is None or not has_permission(actor, roles.PROVIDER_MANAGE):
        return CapacityOverview(rows=[], without_provider=[])
    approvals = (
        Approval.objects.filter(municipality=municipality, status=ApprovalStatus.APPROVED, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("provider", "service")
        .prefetch_related("provider__districts")
        .order_by("service__name", "provider__name")
    )
    clients = {
        (row["provider_id"], row["decision__service_id"], row["decision__citizen__district_id"]): row["n"]
        for row in Choice.objects.filter(municipality=municipality, valid_to__isnull=True)
        .values("provider_id", "decision__service_id", "decision__citizen__district_id")
        .annotate(n=Count("id"))
    }
    rows: list[CapacityRow] = []
    for approval in approvals:
        total = sum(n for (p, s, _d), n in clients.items() if p == approval.provider_id and s == approval.service_id)
        left = rules.places_left(approval.capacity, total, approval.accepting_new_clients)
        for district in approval.provider.districts.all():
            if district.municipality_id != municipality.pk:
                continue
            rows.append(CapacityRow(
                service=approval.service,
                district=district,
                provider=approval.provider,
                approval=approval,
                capacity=approval.capacity,
                clients=clients.get((approval.provider_id, approval.service_id, district.pk), 0),
                places_left=left,
                accepting=approval.accepting_new_clients,
            ))
    rows.sort(key=lambda r: (r.service.name, r.district.name, r.provider.name))
    without = list(
        ReChoice.objects.filter(municipality=municipality, status=ReChoiceStatus.NO_PROVIDER)
        .select_related("decision__citizen", "decision__service", "approval__provider")
    )
    return CapacityOverview(rows=rows, without_provider=without)


def rechoices_for(*, actor: AnyUser) -> QuerySet[ReChoice]:
    """Clients who must choose again because their provider is suspended or leaves: the purchaser
    sees its municipality's, a provider's admins those of their own provider."""
    allowed = Q(pk__in=[])
    municipality = municipality_of(actor)
    if municipality is not None and has_permission(actor, roles.PROVIDER_MANAGE):
        allowed |= Q(municipality=municipality)
    administered = admin_provider_ids_of(actor)
    if administered:
        allowed |= Q(approval__provider_id__in=administered)
    return ReChoice.objects.filter(allowed).select_related(
        "decision__citizen", "decision__service", "approval__provider", "new_choice__provider"
    )


def administered_provider_of(actor: AnyUser) -> Provider | None:
    """The provider the actor administers (the first, if several); None for everyone else."""
    ids = admin_provider_ids_of(actor)
    return Provider.objects.filter(pk__in=ids).order_by("id").first() if ids else None


def services_open_for_application() -> QuerySet[Service]:
    """Every active service in every municipality: providers may apply anywhere (public data)."""
    return Service.objects.filter(active=True).select_related("municipality").order_by("municipality__name", "name")


def districts_open_for_application() -> QuerySet[District]:
    return District.objects.select_related("municipality").order_by("municipality__name", "name")


def services_of(*, actor: AnyUser) -> QuerySet[Service]:
    """The services of the actor's municipality (staff)."""
    municipality = municipality_of(actor)
    if municipality is None:
        return Service.objects.none()
    return Service.objects.filter(municipality=municipality).order_by("name")


def municipality_public(code: str) -> Municipality:
    """A municipality by its code, for its public pages; Municipality.DoesNotExist otherwise."""
    return Municipality.objects.get(code=code)
