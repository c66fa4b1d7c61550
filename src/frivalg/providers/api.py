"""JSON API for providers and their approvals (the approval model)."""

from collections.abc import Iterable
from typing import Annotated, Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Router
from ninja.pagination import paginate

from frivalg.core import roles
from frivalg.core.api import actor_of, lookup
from frivalg.core.models import User
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.core.selectors import require
from frivalg.providers import selectors, services
from frivalg.providers.models import Approval, Provider, Requirement
from frivalg.providers.schemas import (
    ApplicationIn,
    ApprovalOut,
    ApprovalStatusOut,
    CapacityIn,
    CapacityOverviewOut,
    ProviderOut,
    RequirementOut,
)

router = Router(tags=["Providers"])


@router.get("/providers", response={200: list[ProviderOut], **ERRORS}, summary="Providers I may see")
@paginate(Pagination)
def provider_list(request: HttpRequest) -> Iterable[Provider]:
    """Municipal staff: the providers approved (or applying) in their municipality and its
    in-house provider. A provider's people: their own provider."""
    return selectors.providers_for(actor=actor_of(request)).prefetch_related("districts")


@router.get("/providers/{provider_id}", response={200: ProviderOut, **ERRORS}, summary="One provider")
def provider_detail(request: HttpRequest, provider_id: UUID) -> Provider:
    return selectors.provider_get(actor=actor_of(request), public_id=provider_id)


@router.get("/approvals", response={200: list[ApprovalOut], **ERRORS},
            summary="Approvals per provider and service")
@paginate(Pagination)
def approval_list(request: HttpRequest) -> Iterable[Approval]:
    return selectors.approvals_for(actor=actor_of(request))


@router.get("/municipalities/{code}/requirements", response={200: list[RequirementOut], **ERRORS},
            summary="The requirements for approval")
def requirement_list(request: HttpRequest, code: Annotated[str, Path(max_length=8)]) -> Iterable[Requirement]:
    """The requirements in force today that every provider must meet, the in-house provider
    included. Any authenticated user may read them; the same list is public, without login, on
    the municipality's page `/providers/requirements/{code}/public/`."""
    municipality = selectors.municipality_public(code)
    return selectors.requirements_published(municipality=municipality, on=timezone.localdate())


def _status_of(actor: User, approval: Approval) -> Approval:
    """The approval with its verdict and answers attached for ApprovalStatusOut."""
    verdict = selectors.approval_verdict_of(approval, timezone.localdate())
    approval.verdict = verdict  # type: ignore[attr-defined]
    approval.visible_answers = list(selectors.answers_for(actor=actor, approval=approval))  # type: ignore[attr-defined]
    return approval


@router.post("/approvals", response={201: ApprovalStatusOut, **ERRORS}, summary="Apply for approval")
def application_create(request: HttpRequest, payload: ApplicationIn) -> tuple[int, Approval]:
    """A provider's administrator applies for approval to deliver a service; then answers each
    requirement (on the approval's page)."""
    actor = actor_of(request)
    provider = selectors.administered_provider_of(actor)
    if provider is None:
        raise PermissionDenied(_("Only a provider's administrators apply for approval."))
    service = lookup("service", selectors.services_open_for_application().get, public_id=payload.service)
    districts = list(selectors.districts_open_for_application().filter(
        municipality_id=service.municipality_id, code__in=payload.districts))
    if len(districts) != len(set(payload.districts)):
        raise ValidationError({"districts": _("Unknown district code for this municipality.")})
    approval = services.approval_apply(actor=actor, provider=provider, service=service, capacity=payload.capacity,
                                       districts=districts, languages=payload.languages)
    return 201, _status_of(actor, approval)


def _visible_status_approval(actor: User, approval_id: UUID) -> Approval:
    approval = selectors.approval_get(actor=actor, public_id=approval_id)
    if not (selectors.is_provider_admin(actor, approval.provider_id)
            or selectors.is_provider_manager(actor, approval.municipality_id)):
        raise PermissionDenied(_("Only the purchaser and the provider's administrators see this approval."))
    return approval


@router.get("/approvals/{approval_id}", response={200: ApprovalStatusOut, **ERRORS},
            summary="An approval's status, requirements and assessment")
def approval_status(request: HttpRequest, approval_id: UUID) -> Approval:
    actor = actor_of(request)
    return _status_of(actor, _visible_status_approval(actor, approval_id))


@router.post("/approvals/{approval_id}/capacity", response={200: ApprovalStatusOut, **ERRORS},
             summary="Set capacity and whether new clients are accepted")
def approval_capacity(request: HttpRequest, approval_id: UUID, payload: CapacityIn) -> Approval:
    actor = actor_of(request)
    approval = _visible_status_approval(actor, approval_id)
    approval = services.approval_capacity_set(actor=actor, approval=approval, capacity=payload.capacity,
                                              accepting_new_clients=payload.accepting_new_clients)
    return _status_of(actor, approval)


@router.get("/capacity", response={200: CapacityOverviewOut, **ERRORS},
            summary="Capacity per service and district (purchaser)")
def capacity_overview(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, roles.PROVIDER_MANAGE)
    overview = selectors.capacity_overview(actor=actor, on=timezone.localdate())
    return {
        "rows": [{"service_code": r.service.code, "district_code": r.district.code, "provider": r.provider,
                  "approval": r.approval.public_id, "capacity": r.capacity, "clients": r.clients,
                  "places_left": r.places_left, "accepting_new_clients": r.accepting} for r in overview.rows],
        "without_provider": [{"decision": rc.decision.public_id, "service_code": rc.decision.service.code,
                              "previous_provider": rc.approval.provider, "reason": rc.reason}
                             for rc in overview.without_provider],
    }
