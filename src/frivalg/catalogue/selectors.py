"""Reads of the service catalogue, the rate tables and FSIII, scoped to the actor."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import Max, Q, QuerySet

from frivalg.catalogue import rules
from frivalg.catalogue.models import FsiiiConcept, Rate, Service, TimeBandScheme
from frivalg.catalogue.rules import AREA_ALL, RateEntry, band_candidates, pick_rate
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


def service_get(*, actor: AnyUser, public_id: UUID) -> Service:
    """One service the actor may see (services_for); Service.DoesNotExist otherwise."""
    return services_for(actor=actor).get(public_id=public_id)


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


def rate_lookup(*, service_id: int, time_band: str, provider_kind: str, on: date, area: str = AREA_ALL) -> Rate | None:
    """The rate in force on `on` (valid_to inclusive) for a citizen living in `area` (a
    DistrictKind): the area's own rate first, else the all-areas rate; a band without any price
    falls back to its broader band (rules.band_candidates). Unscoped: for services that have
    already checked access to the service."""
    for band, candidate_area in band_candidates(time_band, area):
        rate = (
            Rate.objects.filter(service_id=service_id, time_band=band, area=candidate_area, provider_kind=provider_kind)
            .filter(_in_force_q(on))
            .order_by("-valid_from")
            .first()
        )
        if rate is not None:
            return rate
    return None


@dataclass(frozen=True)
class RateBook:
    """The rates of one provider kind in a municipality that overlap a date range, read in one
    query and looked up in memory (gives the same answer as rate_lookup)."""

    provider_kind: str
    entries: dict[tuple[int, str, str], list[RateEntry]]

    def lookup(self, service_id: int, time_band: str, on: date, area: str = AREA_ALL) -> int | None:
        for band, candidate_area in band_candidates(time_band, area):
            entry = pick_rate(self.entries.get((service_id, band, candidate_area), ()), on)
            if entry is not None:
                return entry.amount_minor
        return None


def rate_book(*, municipality_id: int, provider_kind: str, first_day: date, last_day: date) -> RateBook:
    """Unscoped, like rate_lookup: every rate for `provider_kind` in force on some day of
    [first_day, last_day]."""
    rows = (
        Rate.objects.filter(municipality_id=municipality_id, provider_kind=provider_kind, valid_from__lte=last_day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first_day))
        .values_list("service_id", "time_band", "area", "valid_from", "valid_to", "amount_minor")
    )
    entries: dict[tuple[int, str, str], list[RateEntry]] = defaultdict(list)
    for service_id, band, area, valid_from, valid_to, amount in rows:
        entries[(service_id, band, area)].append(RateEntry(valid_from, valid_to, amount))
    return RateBook(provider_kind, dict(entries))


def time_band_scheme_for(*, municipality_id: int) -> rules.TimeBandScheme:
    """The municipality's time bands as the pure scheme (the default when none is stored).
    Unscoped: the bands are not personal data and settlement needs them."""
    stored = TimeBandScheme.objects.filter(municipality_id=municipality_id).first()
    if stored is None:
        return rules.DEFAULT_SCHEME
    return rules.TimeBandScheme(
        day_start=stored.day_start,
        evening_start=stored.evening_start,
        night_start=stored.night_start,
        split_weekend=stored.split_weekend,
        extra_days=tuple(rules.ExtraDay(e.month, e.day, e.band) for e in stored.extra_days.all()),
        crossing_rule=stored.crossing_rule,
    )


def time_band_scheme_of(*, actor: AnyUser) -> TimeBandScheme | None:
    """The stored scheme of the actor's municipality (its staff only), None when the default
    applies."""
    municipality = municipality_of(actor)
    if municipality is None:
        return None
    return TimeBandScheme.objects.filter(municipality=municipality).prefetch_related("extra_days").first()


def rate_table_rows(*, actor: AnyUser) -> list[dict[str, str]]:
    """Every rate of the actor's municipality (its staff only) as rows of rules.CSV_COLUMNS, in
    the order of the table: what the CSV export writes and the import reads back."""
    return [
        {
            "service_code": rate.service.code,
            "time_band": rate.time_band,
            "area": rate.area,
            "provider_kind": rate.provider_kind,
            "unit": rate.unit,
            "price": rules.minor_to_price(rate.amount_minor),
            "valid_from": rate.valid_from.isoformat(),
            "valid_to": rate.valid_to.isoformat() if rate.valid_to else "",
        }
        for rate in rates_for(actor=actor).order_by("service__code", "time_band", "area", "provider_kind", "valid_from")
    ]


def fsiii_concepts(*, group: str) -> QuerySet[FsiiiConcept]:
    """The concepts of one FSIII top-level group (fsiii.GROUP_*) in the newest loaded version.
    Public reference data: no scoping."""
    newest = FsiiiConcept.objects.filter(group=group).aggregate(version=Max("version"))["version"]
    if newest is None:
        return FsiiiConcept.objects.none()
    return FsiiiConcept.objects.filter(group=group, version=newest)
