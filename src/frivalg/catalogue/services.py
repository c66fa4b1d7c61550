"""Writes for the service catalogue and rate tables."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from frivalg.catalogue import fsiii
from frivalg.catalogue.models import FsiiiConcept, ProviderKind, Rate, Service, TimeBand
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.selectors import require
from frivalg.core.services import audit_record


def _require_rate_manager(actor: User | None, municipality_id: int) -> None:
    """The actor sets the catalogue and rates of this municipality; None is the system."""
    if actor is None:
        return
    require(actor, roles.RATE_MANAGE)
    if actor.municipality_id != municipality_id:
        raise PermissionDenied(_("This belongs to another municipality."))


@transaction.atomic
def fsiii_load(*, path: Path | None = None) -> int:
    """Load (or refresh) the FSIII CodeSystem into the reference table. Returns the count."""
    version, concepts = fsiii.read(path)
    FsiiiConcept.objects.filter(version=version).delete()
    FsiiiConcept.objects.bulk_create(
        FsiiiConcept(
            code=c.code,
            display=c.display[:255],
            definition=c.definition,
            parent_code=c.parent_code,
            group=c.group,
            version=version,
        )
        for c in concepts
    )
    audit_record(
        actor=None,
        municipality_id=None,
        action="fsiii.load",
        object_type="fsiii",
        object_id=version,
        payload={"concepts": len(concepts), "source": fsiii.SOURCE},
    )
    return len(concepts)


@transaction.atomic
def service_create(
    *,
    actor: User | None,
    municipality: Municipality,
    code: str,
    name: str,
    care_level: int,
    fsiii_code: str,
    unit: str,
    legal_basis: str,
    voucher_design: str,
) -> Service:
    _require_rate_manager(actor, municipality.pk)
    concept = FsiiiConcept.objects.filter(code=fsiii_code).order_by("-version").first()
    if concept is None:
        raise ValidationError({"fsiii_code": _("Unknown FSIII code: %(code)s") % {"code": fsiii_code}})
    if Service.objects.filter(municipality=municipality, code=code).exists():
        raise ValidationError({"code": _("A service with this code exists already.")})
    service = Service.objects.create(
        municipality=municipality,
        code=code,
        name=name,
        care_level=care_level,
        fsiii_code=fsiii_code,
        fsiii_version=concept.version,
        unit=unit,
        legal_basis=legal_basis,
        voucher_design=voucher_design,
    )
    audit_record(
        actor=actor,
        municipality_id=municipality.pk,
        action="service.create",
        obj=service,
        payload={"code": code, "fsiii_code": fsiii_code},
    )
    return service


@transaction.atomic
def rate_set(
    *,
    actor: User | None,
    service: Service,
    time_band: str,
    provider_kind: str,
    amount_minor: int,
    valid_from: date,
    valid_to: date | None = None,
) -> Rate:
    """Add a dated rate (valid_to inclusive). An open-ended earlier rate for the same key is closed
    the day before the new one starts."""
    _require_rate_manager(actor, service.municipality_id)
    errors: dict[str, str] = {}
    if time_band not in TimeBand.values:
        errors["time_band"] = _("Unknown time band.")
    if provider_kind not in ProviderKind.values:
        errors["provider_kind"] = _("Unknown provider kind.")
    if amount_minor < 0:
        errors["amount_minor"] = _("A price cannot be negative.")
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = _("The end date must be on or after the start date.")
    if errors:
        raise ValidationError(errors)
    key = {"service": service, "time_band": time_band, "provider_kind": provider_kind}
    if Rate.objects.filter(**key, valid_from=valid_from).exists():
        raise ValidationError({"valid_from": _("A rate from this date exists already.")})
    Rate.objects.filter(**key, valid_to__isnull=True, valid_from__lt=valid_from).update(
        valid_to=valid_from - timedelta(days=1)
    )
    rate = Rate.objects.create(
        municipality_id=service.municipality_id,
        amount_minor=amount_minor,
        valid_from=valid_from,
        valid_to=valid_to,
        **key,
    )
    audit_record(
        actor=actor,
        municipality_id=service.municipality_id,
        action="rate.set",
        obj=rate,
        payload={
            "service": service.code,
            "time_band": time_band,
            "provider_kind": provider_kind,
            "amount_minor": amount_minor,
            "valid_from": valid_from.isoformat(),
        },
    )
    return rate
