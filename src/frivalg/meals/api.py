"""JSON API of the meals marketplace for provider systems and apps: menus (read by anyone
signed in, written by the provider), orders (placed by the citizen, handled by the provider)."""

from collections.abc import Callable, Iterable
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from frivalg.core import roles
from frivalg.core.api import actor_of, lookup, require_any
from frivalg.core.models import District, Municipality, User
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.meals import selectors, services
from frivalg.meals.models import MealOrder, Menu
from frivalg.meals.schemas import MenuIn, MenuOut, MenuQuery, OrderIn, OrderOut, OrderQuery, ReasonIn

router = Router(tags=["Meals"])


@router.get("/meals/menus", response={200: list[MenuOut], **ERRORS}, summary="Published menus of a week")
@paginate(Pagination)
def menus_list(request: HttpRequest, query: Query[MenuQuery]) -> Iterable[Menu]:
    """The published menus of approved meal providers in a municipality for an ISO week,
    optionally only those delivering to a district. Public information."""
    actor_of(request)
    try:
        municipality = selectors.municipality_by_code(query.municipality)
        district = (selectors.district_by_code(municipality=municipality, code=query.district)
                    if query.district else None)
    except (Municipality.DoesNotExist, District.DoesNotExist) as missing:
        raise Http404(query.municipality) from missing
    return selectors.menus_published(municipality=municipality, year=query.year, week=query.week, district=district)


@router.post("/meals/menus", response={201: MenuOut, **ERRORS}, summary="Create a week's menu (provider)")
@transaction.atomic
def menu_create(request: HttpRequest, payload: MenuIn) -> tuple[int, Menu]:
    actor = actor_of(request)
    require_any(actor, roles.PROVIDER_VIEW_CLIENTS)
    approval = lookup("service", selectors.meal_services_for_provider(actor=actor).get,
                      provider__public_id=payload.provider, service__public_id=payload.service)
    districts = []
    for index, code in enumerate(payload.districts):
        districts.append(lookup(f"districts.{index}", selectors.district_by_code,
                                municipality=approval.municipality, code=code))
    menu = services.menu_save(
        actor=actor, provider=approval.provider, service=approval.service, year=payload.year, week=payload.week,
        delivery_weekdays=payload.delivery_weekdays, districts=districts, delivery_time=payload.delivery_time,
        deadline_days_before=payload.deadline_days_before, deadline_time=payload.deadline_time)
    for index, dish in enumerate(payload.dishes):
        try:
            services.dish_add(actor=actor, menu=menu, name=dish.name, description=dish.description,
                              price_minor=dish.price_minor, allergens=[str(a) for a in dish.allergens],
                              diets=[str(d) for d in dish.diets])
        except ValidationError as error:
            raise ValidationError({f"dishes.{index}.{k}": v for k, v in error.message_dict.items()}) from error
    if payload.publish:
        menu = services.menu_publish(actor=actor, menu=menu)
    return 201, selectors.menu_get_for_provider(actor=actor, public_id=menu.public_id)


@router.get("/meals/orders", response={200: list[OrderOut], **ERRORS},
            summary="Meal orders (a provider's incoming, or a citizen's own)")
@paginate(Pagination)
def orders_list(request: HttpRequest, query: Query[OrderQuery]) -> Iterable[MealOrder]:
    actor = actor_of(request)
    return selectors.orders_for(actor=actor, delivery_date=query.delivery_date)


@router.post("/meals/orders", response={201: OrderOut, **ERRORS}, summary="Order meals for a day (citizen)")
def order_create(request: HttpRequest, payload: OrderIn) -> tuple[int, MealOrder]:
    actor = actor_of(request)
    require_any(actor, roles.CHOICE_MAKE_OWN)
    decision = lookup("decision", selectors.meal_decisions_for(actor=actor, on=payload.delivery_date).get,
                      public_id=payload.decision)
    iso = payload.delivery_date.isocalendar()
    menu = lookup("menu", selectors.menus_published(municipality=decision.municipality, year=iso.year,
                                                    week=iso.week).get, public_id=payload.menu)
    dishes = {str(d.public_id): d for d in menu.dishes.all()}
    lines = []
    for index, line in enumerate(payload.lines):
        dish = dishes.get(str(line.dish))
        if dish is None:
            raise ValidationError({f"lines.{index}.dish": ValidationError(
                _("This dish is not on the menu."), code="not_found")})
        lines.append((dish, line.quantity))
    order = services.meal_order_place(actor=actor, decision=decision, menu=menu,
                                      delivery_date=payload.delivery_date, lines=lines)
    return 201, selectors.order_get(actor=actor, public_id=order.public_id)


def _handle(request: HttpRequest, order_id: UUID, action: Callable[[User, MealOrder], MealOrder]) -> MealOrder:
    actor = actor_of(request)
    try:
        meal_order = selectors.order_get(actor=actor, public_id=order_id)
    except MealOrder.DoesNotExist as missing:
        raise Http404(str(order_id)) from missing
    action(actor, meal_order)
    return selectors.order_get(actor=actor, public_id=order_id)


@router.post("/meals/orders/{order_id}/confirm", response={200: OrderOut, **ERRORS}, summary="Confirm an order")
def order_confirm(request: HttpRequest, order_id: UUID) -> MealOrder:
    return _handle(request, order_id, lambda actor, o: services.meal_order_confirm(actor=actor, order=o))


@router.post("/meals/orders/{order_id}/reject", response={200: OrderOut, **ERRORS},
             summary="Reject an order, with the reason")
def order_reject(request: HttpRequest, order_id: UUID, payload: ReasonIn) -> MealOrder:
    return _handle(request, order_id,
                   lambda actor, o: services.meal_order_reject(actor=actor, order=o, reason=payload.reason))


@router.post("/meals/orders/{order_id}/deliver", response={200: OrderOut, **ERRORS},
             summary="Mark an order delivered (settled per meal)")
def order_deliver(request: HttpRequest, order_id: UUID) -> MealOrder:
    return _handle(request, order_id, lambda actor, o: services.meal_order_deliver(actor=actor, order=o))


@router.post("/meals/orders/{order_id}/missed", response={200: OrderOut, **ERRORS},
             summary="Report a delivery missed, with the reason")
def order_missed(request: HttpRequest, order_id: UUID, payload: ReasonIn) -> MealOrder:
    return _handle(request, order_id,
                   lambda actor, o: services.meal_order_missed(actor=actor, order=o, reason=payload.reason))


@router.post("/meals/orders/{order_id}/cancel", response={200: OrderOut, **ERRORS},
             summary="Cancel an order before the deadline (citizen)")
def order_cancel(request: HttpRequest, order_id: UUID) -> MealOrder:
    return _handle(request, order_id, lambda actor, o: services.meal_order_cancel(actor=actor, order=o))
