"""Reads of the service catalogue, the rate tables and FSIII, scoped to the actor."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Max, Q, QuerySet

from frivalg.catalogue.models import FsiiiConcept, Rate, Service
from frivalg.catalogue.rules import RateEntry, pick_rate
from frivalg.core.models import User
from frivalg.core.selectors import AnyUser, citizens_represented_by, municipality_of
from frivalg.providers.models import Approval
from frivalg.providers.selectors import provider_ids_of


def services_for(*, actor: AnyUser) -> QuerySet[Service]:
    """Municipal staff: every service of their municipality (also inactive ones). A provider's
    people: the active services of the municipalities where their provider holds or has applied
    for an approval. Citizens and relatives: the active services of their municipality."""
    if not actor.is_authenticated:
        return Service.objects.none()
    assert isinstance(actor, User)
    allowed = Q(pk__in=[])
    municipality = municipality_of(actor)
    if municipality is not None:
        allowed |= Q(municipality=municipality)
    own_providers = provider_ids_of(actor)
    if own_providers:
        municipalities = Approval.objects.filter(provider_id__in=own_providers).values("municipality_id")
        allowed |= Q(active=True, municipality_id__in=municipalities)
    represented = citizens_represented_by(actor)
    allowed |= Q(active=True, municipality_id__in=represented.values("municipality_id"))
    return Service.objects.filter(allowed).select_related("municipality")


def rates_for(*, actor: AnyUser, on: date | None = None) -> QuerySet[Rate]:
    """The rate table of the actor's municipality (its staff only); with `on`, only the rates in
    force that day (valid_to inclusive)."""
    municipality = municipality_of(actor)
    if municipality is None:
        return Rate.objects.none()
    rates = Rate.objects.filter(municipality=municipality)
    if on is not None:
        rates = rates.filter(_in_force_q(on))
    return rates.select_related("service")


def _in_force_q(on: date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def rate_lookup(*, service_id: int, time_band: str, provider_kind: str, on: date) -> Rate | None:
    """The rate in force on `on` (valid_to inclusive). Unscoped: for services that have already
    checked access to the service."""
    return (
        Rate.objects.filter(service_id=service_id, time_band=time_band, provider_kind=provider_kind)
        .filter(_in_force_q(on))
        .order_by("-valid_from")
        .first()
    )


@dataclass(frozen=True)
class RateBook:
    """The rates of one provider kind in a municipality that overlap a date range, read in one
    query and looked up in memory (catalogue.rules.pick_rate gives the same answer as
    rate_lookup)."""

    provider_kind: str
    entries: dict[tuple[int, str], list[RateEntry]]

    def lookup(self, service_id: int, time_band: str, on: date) -> int | None:
        entry = pick_rate(self.entries.get((service_id, time_band), ()), on)
        return entry.amount_minor if entry is not None else None


def rate_book(*, municipality_id: int, provider_kind: str, first_day: date, last_day: date) -> RateBook:
    """Unscoped, like rate_lookup: every rate for `provider_kind` in force on some day of
    [first_day, last_day]."""
    rows = (
        Rate.objects.filter(municipality_id=municipality_id, provider_kind=provider_kind, valid_from__lte=last_day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first_day))
        .values_list("service_id", "time_band", "valid_from", "valid_to", "amount_minor")
    )
    entries: dict[tuple[int, str], list[RateEntry]] = defaultdict(list)
    for service_id, band, valid_from, valid_to, amount in rows:
        entries[(service_id, band)].append(RateEntry(valid_from, valid_to, amount))
    return RateBook(provider_kind, dict(entries))


def fsiii_concepts(*, group: str) -> QuerySet[FsiiiConcept]:
    """The concepts of one FSIII top-level group (fsiii.GROUP_*) in the newest loaded version.
    Public reference data: no scoping."""
    newest = FsiiiConcept.objects.filter(group=group).aggregate(version=Max("version"))["version"]
    if newest is None:
        return FsiiiConcept.objects.none()
    return FsiiiConcept.objects.filter(group=group, version=newest)
