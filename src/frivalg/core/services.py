"""Writes for tenancy, accounts and citizens. Each service runs in one transaction and writes
its audit row in it; other apps call `audit_record` the same way."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.core import roles
from frivalg.core.models import (
    ApiToken,
    AuditEvent,
    Citizen,
    District,
    Municipality,
    PowerOfAttorney,
    User,
)
from frivalg.core.selectors import has_permission, require

TOKEN_PREFIX = "fv_"


def audit_record(
    *,
    actor: User | None,
    municipality_id: int | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row. Call inside the service's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name or ""
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
    return AuditEvent.objects.create(
        municipality_id=municipality_id,
        actor=actor,
        actor_label=actor.username if actor is not None else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        payload=payload or {},
    )


def _require_same_municipality(actor: User, municipality_id: int) -> None:
    if actor.municipality_id != municipality_id:
        raise PermissionDenied(_("This belongs to another municipality."))


@transaction.atomic
def municipality_create(
    *, actor: User | None, code: str, name: str, country: str, currency: str, time_zone: str, language: str
) -> Municipality:
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only a platform administrator can create a municipality."))
    municipality = Municipality.objects.create(
        code=code, name=name, country=country, currency=currency, time_zone=time_zone, language=language
    )
    audit_record(actor=actor, municipality_id=municipality.pk, action="municipality.create", obj=municipality,
                 payload={"code": code, "name": name})
    return municipality


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    role: str,
    municipality: Municipality | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a login with one role. `actor` None is the system (set-up and demo)."""
    if role not in roles.ROLES_BY_NAME:
        raise ValidationError({"role": _("Unknown role: %(role)s") % {"role": role}})
    if actor is not None:
        require(actor, roles.USER_MANAGE)
        if municipality is not None:
            _require_same_municipality(actor, municipality.pk)
    if roles.ROLES_BY_NAME[role].staff_of_municipality and municipality is None:
        raise ValidationError({"municipality": _("Municipal staff must belong to a municipality.")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    user = User(username=username, first_name=first_name, last_name=last_name, email=email,
                municipality=municipality if roles.ROLES_BY_NAME[role].staff_of_municipality else None)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    audit_record(actor=actor, municipality_id=municipality.pk if municipality else None, action="user.create",
                 obj=user, payload={"username": username, "role": role})
    return user


@transaction.atomic
def citizen_create(
    *,
    actor: User,
    national_id: str,
    first_name: str,
    last_name: str,
    birth_date: date,
    address: str,
    postcode: str,
    city: str,
    district: District,
    language: str = "da",
    phone: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    caseworker: User | None = None,
) -> Citizen:
    require(actor, roles.CITIZEN_MANAGE)
    _require_same_municipality(actor, district.municipality_id)
    national_id = national_id.strip()
    if not national_id:
        raise ValidationError({"national_id": _("Enter the national id number.")})
    if birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _("The birth date cannot be in the future.")})
    if Citizen.objects.filter(municipality_id=district.municipality_id, national_id=national_id).exists():
        raise ValidationError({"national_id": _("A citizen with this national id number is already registered.")})
    citizen = Citizen.objects.create(
        municipality_id=district.municipality_id, national_id=national_id, first_name=first_name,
        last_name=last_name, birth_date=birth_date, address=address, postcode=postcode, city=city,
        district=district, language=language, phone=phone, contact_name=contact_name,
        contact_phone=contact_phone, caseworker=caseworker or actor,
    )
    audit_record(actor=actor, municipality_id=citizen.municipality_id, action="citizen.create", obj=citizen)
    return citizen


@transaction.atomic
def power_of_attorney_grant(
    *, actor: User, citizen: Citizen, attorney: User, relation: str, valid_from: date, valid_to: date | None = None
) -> PowerOfAttorney:
    require(actor, roles.CITIZEN_MANAGE)
    _require_same_municipality(actor, citizen.municipality_id)
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date must be on or after the start date.")})
    poa = PowerOfAttorney.objects.create(
        municipality_id=citizen.municipality_id, citizen=citizen, attorney=attorney, relation=relation,
        valid_from=valid_from, valid_to=valid_to,
    )
    audit_record(actor=actor, municipality_id=citizen.municipality_id, action="power_of_attorney.grant",
                 obj=citizen, payload={"attorney": attorney.username, "relation": relation})
    return poa


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token for `user` (oneself, or by a user manager). Returns the row and the token,
    which is shown once and never stored."""
    if actor is not None and actor.pk != user.pk and not has_permission(actor, roles.USER_MANAGE):
        raise PermissionDenied(_("You may only create tokens for yourself."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=_hash_token(raw))
    audit_record(actor=actor, municipality_id=user.municipality_id, action="api_token.create", obj=user,
                 payload={"name": name, "prefix": token.prefix})
    return token, raw


def api_token_authenticate(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None. Stamps last use."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    if actor.pk != token.user_id and not has_permission(actor, roles.USER_MANAGE):
        raise PermissionDenied(_("You may only revoke your own tokens."))
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    audit_record(actor=actor, municipality_id=token.user.municipality_id, action="api_token.revoke",
                 obj=token.user, payload={"prefix": token.prefix})
