"""Writes of the meals marketplace. Each runs in one transaction and writes its AuditEvent there."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.assessments.models import Decision, DecisionStatus
from frivalg.catalogue.models import Service
from frivalg.core import roles
from frivalg.core.models import District, Municipality, User
from frivalg.core.selectors import citizens_represented_by, require
from frivalg.core.services import audit_record
from frivalg.meals import rules
from frivalg.meals.models import (
    Allergen,
    Diet,
    Dish,
    MealOrder,
    MealOrderLine,
    MealPaymentRule,
    Menu,
    OrderStatus,
    PaymentMode,
)
from frivalg.meals.selectors import (
    approval_in_force,
    is_meal_service,
    meals_ordered_in_week,
    payment_terms_for,
)
from frivalg.providers.models import Provider
from frivalg.providers.selectors import is_provider_admin
from frivalg.visits.models import CheckMethod, Visit, VisitStatus

#: Visits created for delivered meals carry this source system (and the order's id and the
#: meal's number as external id), so a delivery is recorded once.
VISIT_SOURCE = "frivalg.meals"
#: Each delivered meal is recorded as a done visit of one minute, one after the other from the
#: menu's delivery time: the settlement refuses a done visit whose check-out is not after its
#: check-in, and flags a citizen's visits that overlap (docs/meals.md).
HANDOVER = timedelta(minutes=1)
MAX_QUANTITY = 20
MAX_PRICE_MINOR = 100_000_00


def _require_admin_of(actor: User, provider_id: int) -> None:
    require(actor, roles.PROVIDER_VIEW_CLIENTS)
    if not is_provider_admin(actor, provider_id):
        raise PermissionDenied(_("You do not administer this provider."))


def _local_now(municipality: Municipality, now: datetime | None) -> datetime:
    return timezone.localtime(now or timezone.now(), ZoneInfo(municipality.time_zone))


# --- menus -------------------------------------------------------------------------------


@transaction.atomic
def menu_save(
    *,
    actor: User,
    provider: Provider,
    service: Service,
    year: int,
    week: int,
    delivery_weekdays: Sequence[int],
    districts: Iterable[District],
    delivery_time: time = time(11, 0),
    deadline_days_before: int = 2,
    deadline_time: time = time(12, 0),
    menu: Menu | None = None,
) -> Menu:
    """Create a provider's menu for a week (or change an unpublished one)."""
    _require_admin_of(actor, provider.pk)
    districts = list(districts)
    errors: dict[str, str] = {}
    if menu is not None and (menu.provider_id != provider.pk or menu.published):
        errors["menu"] = _("Only an unpublished menu of your provider can be changed.")
    if not is_meal_service(service):
        errors["service"] = _("Choose a meal service.")
    if not rules.valid_week(year, week):
        errors["week"] = _("There is no week %(week)s in %(year)s.") % {"week": week, "year": year}
    weekdays = sorted(set(delivery_weekdays))
    if not weekdays or any(day not in range(1, 8) for day in weekdays):
        errors["delivery_weekdays"] = _("Choose at least one delivery day.")
    if not districts:
        errors["districts"] = _("Choose at least one district you deliver to.")
    elif any(d.municipality_id != service.municipality_id for d in districts):
        errors["districts"] = _("Choose districts of the service's municipality.")
    if not 0 <= deadline_days_before <= 14:
        errors["deadline_days_before"] = _("The deadline must be 0 to 14 days before delivery.")
    if menu is None and not errors and Menu.objects.filter(
            provider=provider, municipality_id=service.municipality_id, year=year, week=week).exists():
        errors["week"] = _("You already have a menu for this week. Edit that one.")
    if errors:
        raise ValidationError(errors)
    fields = {"provider": provider, "service": service, "municipality_id": service.municipality_id, "year": year,
              "week": week, "delivery_weekdays": weekdays, "delivery_time": delivery_time,
              "deadline_days_before": deadline_days_before, "deadline_time": deadline_time}
    if menu is None:
        menu = Menu.objects.create(**fields)
    else:
        for name, value in fields.items():
            setattr(menu, name, value)
        menu.save()
    menu.districts.set(districts)
    audit_record(actor=actor, municipality_id=service.municipality_id, action="meal_menu.save", obj=menu,
                 payload={"provider": str(provider.public_id), "year": year, "week": week, "weekdays": weekdays})
    return menu


def _dish_errors(name: str, price_minor: int, allergens: Sequence[str], diets: Sequence[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Give the dish a name.")
    if not 0 <= price_minor <= MAX_PRICE_MINOR:
        errors["price_minor"] = _("Give a price from 0 up to 100,000.")
    if any(a not in Allergen.values for a in allergens):
        errors["allergens"] = _("Choose allergens from the list.")
    if any(d not in Diet.values for d in diets):
        errors["diets"] = _("Choose diets from the list.")
    return errors


@transaction.atomic
def dish_add(*, actor: User, menu: Menu, name: str, price_minor: int, description: str = "",
             allergens: Sequence[str] = (), diets: Sequence[str] = ()) -> Dish:
    _require_admin_of(actor, menu.provider_id)
    errors = _dish_errors(name, price_minor, allergens, diets)
    if menu.published:
        errors["menu"] = _("The menu is published; dishes can no longer be changed.")
    if errors:
        raise ValidationError(errors)
    dish = Dish.objects.create(menu=menu, name=name.strip(), description=description.strip(),
                               price_minor=price_minor, allergens=sorted(set(allergens)), diets=sorted(set(diets)))
    audit_record(actor=actor, municipality_id=menu.municipality_id, action="meal_dish.add", obj=dish,
                 payload={"menu": str(menu.public_id), "price_minor": price_minor})
    return dish


@transaction.atomic
def dish_remove(*, actor: User, dish: Dish) -> None:
    _require_admin_of(actor, dish.menu.provider_id)
    if dish.menu.published:
        raise ValidationError({"menu": _("The menu is published; dishes can no longer be changed.")})
    audit_record(actor=actor, municipality_id=dish.menu.municipality_id, action="meal_dish.remove", obj=dish,
                 payload={"menu": str(dish.menu.public_id)})
    dish.delete()


@transaction.atomic
def menu_publish(*, actor: User, menu: Menu) -> Menu:
    """Publish a menu: only a provider approved for the meal service in the week may."""
    _require_admin_of(actor, menu.provider_id)
    menu = Menu.objects.select_for_update().get(pk=menu.pk)
    monday = date.fromisocalendar(menu.year, menu.week, 1)
    errors: dict[str, str] = {}
    if menu.published:
        errors["menu"] = _("The menu is already published.")
    if approval_in_force(provider=menu.provider, service=menu.service, on=monday) is None:
        errors["menu"] = _("Your provider is not approved for this meal service in that week.")
    if not menu.dishes.exists():
        errors["dishes"] = _("Add at least one dish before publishing.")
    if errors:
        raise ValidationError(errors)
    menu.published, menu.published_at = True, timezone.now()
    menu.save(update_fields=["published", "published_at", "updated_at"])
    audit_record(actor=actor, municipality_id=menu.municipality_id, action="meal_menu.publish", obj=menu,
                 payload={"year": menu.year, "week": menu.week})
    return menu


# --- the payment rule ----------------------------------------------------------------------


@transaction.atomic
def meal_payment_rule_set(*, actor: User, mode: str, amount_minor: int) -> MealPaymentRule:
    """The purchaser sets what the municipality pays of each meal."""
    require(actor, roles.PROVIDER_MANAGE)
    if actor.municipality_id is None:
        raise PermissionDenied(_("Only the municipality's staff set the meal payment rule."))
    errors: dict[str, str] = {}
    if mode not in PaymentMode.values:
        errors["mode"] = _("Choose what the municipality pays.")
    if mode == PaymentMode.NOTHING:
        amount_minor = 0
    elif not 0 < amount_minor <= MAX_PRICE_MINOR:
        errors["amount_minor"] = _("Give the amount per meal, more than 0 and up to 100,000.")
    if errors:
        raise ValidationError(errors)
    rule, _created = MealPaymentRule.objects.update_or_create(
        municipality_id=actor.municipality_id, defaults={"mode": mode, "amount_minor": amount_minor,
                                                         "updated_by": actor})
    audit_record(actor=actor, municipality_id=actor.municipality_id, action="meal_payment_rule.set", obj=rule,
                 payload={"mode": mode, "amount_minor": amount_minor})
    return rule


# --- orders ------------------------------------------------------------------------------


def deadline_of(menu: Menu, delivery_date: date) -> datetime:
    return rules.order_deadline(delivery_date, menu.deadline_days_before, menu.deadline_time,
                                menu.municipality.time_zone)


@transaction.atomic
def meal_order_place(
    *,
    actor: User,
    decision: Decision,
    menu: Menu,
    delivery_date: date,
    lines: Sequence[tuple[Dish, int]],
    now: datetime | None = None,
) -> MealOrder:
    """A citizen (or a relative with power of attorney) orders meals for one delivery day from
    any approved meal provider delivering to the citizen's district, before the order deadline
    and within the decision's meals per week."""
    require(actor, roles.CHOICE_MAKE_OWN)
    if not citizens_represented_by(actor).filter(pk=decision.citizen_id).exists():
        raise PermissionDenied(_("You may only order meals for yourself or for those you hold power of attorney for."))
    # Lock the decision: two orders at once cannot both take the week's last meals.
    decision = Decision.objects.select_for_update().select_related("citizen", "service", "municipality").get(
        pk=decision.pk)
    errors: dict[str, str] = {}
    if decision.status != DecisionStatus.GRANTED or not is_meal_service(decision.service):
        errors["decision"] = _("Meals can only be ordered on a granted meal decision.")
    elif delivery_date < decision.valid_from or (decision.valid_to is not None and delivery_date > decision.valid_to):
        errors["delivery_date"] = _("Your meal decision does not cover this day.")
    if not menu.published or menu.service_id != decision.service_id or menu.municipality_id != decision.municipality_id:
        errors["menu"] = _("Choose a published menu for your meal service.")
    elif not menu.districts.filter(pk=decision.citizen.district_id).exists():
        errors["menu"] = _("This provider does not deliver to your district.")
    iso = delivery_date.isocalendar()
    if (iso.year, iso.week) != (menu.year, menu.week) or iso.weekday not in menu.delivery_weekdays:
        errors["delivery_date"] = _("The provider does not deliver on this day.")
    elif approval_in_force(provider=menu.provider, service=menu.service, on=delivery_date) is None:
        errors["menu"] = _("This provider is not approved for meals on this day.")
    deadline = deadline_of(menu, delivery_date)
    if "delivery_date" not in errors and not rules.may_still_order(now or timezone.now(), deadline):
        errors["delivery_date"] = _("The order deadline for %(day)s was %(deadline)s.") % {
            "day": delivery_date.isoformat(), "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")}
    wanted = [(dish, quantity) for dish, quantity in lines if quantity]
    if not wanted:
        errors["lines"] = _("Order at least one meal.")
    if any(dish.menu_id != menu.pk for dish, _q in wanted):
        errors["lines"] = _("Choose dishes from this menu.")
    if any(not 1 <= quantity <= MAX_QUANTITY for _d, quantity in wanted):
        errors["lines"] = _("Order from 1 to %(max)s of a dish.") % {"max": MAX_QUANTITY}
    if not errors:
        limit = rules.meals_per_week(decision.amount, decision.frequency)
        already = meals_ordered_in_week(decision=decision, year=iso.year, week=iso.week)
        room = rules.weekly_room(limit, already)
        asked = sum(quantity for _d, quantity in wanted)
        if room is not None and asked > room:
            errors["lines"] = _(
                "Your decision allows %(limit)s meals a week. You have ordered %(already)s for that week, "
                "so you can order %(room)s more.") % {"limit": limit, "already": already, "room": room}
    if errors:
        raise ValidationError(errors)
    order = MealOrder.objects.create(
        municipality_id=decision.municipality_id, citizen=decision.citizen, decision=decision,
        provider=menu.provider, menu=menu, delivery_date=delivery_date, deadline=deadline, placed_by=actor,
    )
    terms = payment_terms_for(decision.municipality)
    for dish, quantity in wanted:
        split = rules.split_line(dish.price_minor, quantity, terms)
        MealOrderLine.objects.create(order=order, dish=dish, quantity=quantity, unit_price_minor=dish.price_minor,
                                     municipality_share_minor=split.municipality_minor,
                                     citizen_share_minor=split.citizen_minor)
    audit_record(actor=actor, municipality_id=decision.municipality_id, action="meal_order.place", obj=order,
                 payload={"citizen": str(decision.citizen.public_id), "provider": str(menu.provider.public_id),
                          "delivery_date": delivery_date.isoformat(),
                          "lines": [[str(dish.public_id), quantity] for dish, quantity in wanted]})
    return order


def _lock(order: MealOrder) -> MealOrder:
    return MealOrder.objects.select_for_update().select_related("municipality", "decision", "menu").get(pk=order.pk)


def _set_status(order: MealOrder, actor: User, status: str, reason: str = "") -> None:
    order.status, order.reason = status, reason
    order.handled_by, order.handled_at = actor, timezone.now()
    order.save(update_fields=["status", "reason", "handled_by", "handled_at", "updated_at"])
    audit_record(actor=actor, municipality_id=order.municipality_id, action=f"meal_order.{status}", obj=order,
                 payload={"reason": reason} if reason else {})


@transaction.atomic
def meal_order_cancel(*, actor: User, order: MealOrder, now: datetime | None = None) -> MealOrder:
    """The citizen (or relative) cancels before the order deadline."""
    require(actor, roles.CHOICE_MAKE_OWN)
    if not citizens_represented_by(actor).filter(pk=order.citizen_id).exists():
        raise PermissionDenied(_("You may only cancel your own orders."))
    order = _lock(order)
    if order.status not in (OrderStatus.PLACED, OrderStatus.CONFIRMED):
        raise ValidationError({"status": _("This order can no longer be cancelled.")})
    if not rules.may_still_order(now or timezone.now(), order.deadline):
        raise ValidationError({"status": _("The deadline to cancel was %(deadline)s.") % {
            "deadline": timezone.localtime(order.deadline).strftime("%Y-%m-%d %H:%M")}})
    _set_status(order, actor, OrderStatus.CANCELLED)
    return order


@transaction.atomic
def meal_order_confirm(*, actor: User, order: MealOrder) -> MealOrder:
    _require_admin_of(actor, order.provider_id)
    order = _lock(order)
    if order.status != OrderStatus.PLACED:
        raise ValidationError({"status": _("Only a placed order can be confirmed.")})
    _set_status(order, actor, OrderStatus.CONFIRMED)
    return order


@transaction.atomic
def meal_order_reject(*, actor: User, order: MealOrder, reason: str) -> MealOrder:
    _require_admin_of(actor, order.provider_id)
    order = _lock(order)
    errors: dict[str, str] = {}
    if order.status not in (OrderStatus.PLACED, OrderStatus.CONFIRMED):
        errors["status"] = _("Only a placed or confirmed order can be rejected.")
    if not reason.strip():
        errors["reason"] = _("Tell the citizen why the order is rejected.")
    if errors:
        raise ValidationError(errors)
    _set_status(order, actor, OrderStatus.REJECTED, reason.strip())
    return order


def _delivery_moment(order: MealOrder) -> datetime:
    return datetime.combine(order.delivery_date, order.menu.delivery_time,
                            tzinfo=ZoneInfo(order.municipality.time_zone))


def _require_delivery_day_reached(order: MealOrder, now: datetime | None) -> None:
    if _local_now(order.municipality, now).date() < order.delivery_date:
        raise ValidationError({"status": _("A delivery can be reported from the delivery day.")})


@transaction.atomic
def meal_order_deliver(*, actor: User, order: MealOrder, now: datetime | None = None) -> MealOrder:
    """Mark a confirmed order delivered. Each meal becomes one done visit of the meal service,
    which the settlement engine pays per unit (docs/meals.md)."""
    _require_admin_of(actor, order.provider_id)
    order = _lock(order)
    if order.status != OrderStatus.CONFIRMED:
        raise ValidationError({"status": _("Only a confirmed order can be delivered.")})
    _require_delivery_day_reached(order, now)
    start = _delivery_moment(order)
    meals = sum(line.quantity for line in order.lines.all())
    Visit.objects.bulk_create(
        Visit(municipality_id=order.municipality_id, decision=order.decision, citizen_id=order.citizen_id,
              service_id=order.decision.service_id, provider_id=order.provider_id,
              planned_start=start + (number - 1) * HANDOVER, planned_end=start + number * HANDOVER,
              actual_start=start + (number - 1) * HANDOVER, actual_end=start + number * HANDOVER,
              check_in_by=actor, check_out_by=actor, check_in_method=CheckMethod.MANUAL,
              check_out_method=CheckMethod.MANUAL, status=VisitStatus.DONE, source_system=VISIT_SOURCE,
              external_id=f"{order.public_id}:{number}")
        for number in range(1, meals + 1)
    )
    _set_status(order, actor, OrderStatus.DELIVERED)
    audit_record(actor=actor, municipality_id=order.municipality_id, action="meal_order.visits", obj=order,
                 payload={"visits": meals, "source_system": VISIT_SOURCE})
    return order


@transaction.atomic
def meal_order_missed(*, actor: User, order: MealOrder, reason: str, now: datetime | None = None) -> MealOrder:
    """Report a confirmed delivery as missed: nothing is paid for it."""
    _require_admin_of(actor, order.provider_id)
    order = _lock(order)
    errors: dict[str, str] = {}
    if order.status != OrderStatus.CONFIRMED:
        errors["status"] = _("Only a confirmed order can be reported missed.")
    if not reason.strip():
        errors["reason"] = _("Say why the delivery was missed.")
    if errors:
        raise ValidationError(errors)
    _require_delivery_day_reached(order, now)
    _set_status(order, actor, OrderStatus.MISSED, reason.strip())
    return order

