"""JSON API for providers and their approvals (the approval model)."""

from collections.abc import Iterable
from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from frivalg.core.api import actor_of
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.providers import selectors
from frivalg.providers.models import Approval, Provider
from frivalg.providers.schemas import ApprovalOut, ProviderOut

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
