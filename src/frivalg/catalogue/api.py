"""JSON API for the service catalogue and the rate table."""

from collections.abc import Iterable

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from frivalg.catalogue import selectors
from frivalg.catalogue.models import Rate, Service
from frivalg.catalogue.schemas import RateFilter, RateOut, ServiceOut
from frivalg.core.api import actor_of
from frivalg.core.schemas import ERRORS, Pagination

router = Router(tags=["Services and rates"])


@router.get("/services", response={200: list[ServiceOut], **ERRORS}, summary="The service catalogue")
@paginate(Pagination)
def service_list(request: HttpRequest) -> Iterable[Service]:
    return selectors.services_for(actor=actor_of(request))


@router.get("/rates", response={200: list[RateOut], **ERRORS}, summary="The rate table (municipal staff)")
@paginate(Pagination)
def rate_list(request: HttpRequest, filters: Query[RateFilter]) -> Iterable[Rate]:
    return selectors.rates_for(actor=actor_of(request), on=filters.on)
