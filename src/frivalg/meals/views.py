"""The meal pages: citizens (and relatives) browse menus and order, providers manage menus and
orders, the purchaser sets the payment rule and reads the signals."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frivalg.assessments.models import Decision
from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import citizens_represented_by, has_permission, require
from frivalg.core.views import AuthenticatedRequest
from frivalg.meals import rules, selectors, services
from frivalg.meals.forms import (
    DishForm,
    MenuFilterForm,
    MenuForm,
    MonthForm,
    OrderForm,
    PaymentRuleForm,
    ReasonForm,
    to_minor,
)
from frivalg.meals.models import Dish, MealOrder, Menu, OrderStatus

ORDER_ERRORS = {"lines": "__all__", "menu": "__all__", "decision": "__all__", "delivery_date": "__all__"}


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as bad:
        raise Http404(_("No such day.")) from bad


def _filter_dishes(dishes: list[Dish], diet: str, without: list[str]) -> list[Dish]:
    return [d for d in dishes if (not diet or diet in d.diets) and not set(without) & set(d.allergens)]


# --- citizen ------------------------------------------------------------------------------


@login_required
def menus(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.CHOICE_MAKE_OWN)
    today = timezone.localdate()
    decisions = list(selectors.meal_decisions_for(actor=request.user, on=today))
    chosen = next((d for d in decisions if str(d.public_id) == request.GET.get("decision")),
                  decisions[0] if decisions else None)
    form = MenuFilterForm(request.GET or None)
    week, diet, without = "this", "", []
    if form.is_valid():
        week = form.cleaned_data["week"] or "this"
        diet, without = form.cleaned_data["diet"], form.cleaned_data["without"]
    day = today + timedelta(days=7 if week == "next" else 0)
    iso = day.isocalendar()
    offers = []
    if chosen is not None:
        now = timezone.now()
        for menu in selectors.menus_published(municipality=chosen.municipality, year=iso.year, week=iso.week,
                                              district=chosen.citizen.district):
            if menu.service_id != chosen.service_id:
                continue
            days = [{"day": d, "deadline": services.deadline_of(menu, d),
                     "open": rules.may_still_order(now, services.deadline_of(menu, d))}
                    for d in rules.week_dates(menu.year, menu.week, menu.delivery_weekdays) if d >= today]
            offers.append({"menu": menu, "dishes": _filter_dishes(list(menu.dishes.all()), diet, without),
                           "days": days})
    return render(request, "meals/menus.html", {
        "decisions": decisions, "decision": chosen, "form": form, "offers": offers, "week": week,
        "year": iso.year, "week_number": iso.week,
    })


@login_required
def order(request: AuthenticatedRequest, decision_id: UUID, menu_id: UUID, day: str) -> HttpResponse:
    require(request.user, roles.CHOICE_MAKE_OWN)
    delivery_date = _parse_day(day)
    try:
        decision = selectors.meal_decisions_for(actor=request.user, on=delivery_date).get(public_id=decision_id)
        menu = selectors.menus_published(
            municipality=decision.municipality, year=delivery_date.isocalendar().year,
            week=delivery_date.isocalendar().week, district=decision.citizen.district).get(public_id=menu_id)
    except (Decision.DoesNotExist, Menu.DoesNotExist) as missing:
        raise Http404(_("No such menu for this decision and day.")) from missing
    dishes = list(menu.dishes.all())
    form = OrderForm(request.POST or None, dishes=dishes)
    terms = selectors.payment_terms_for(decision.municipality)
    shares = {dish.pk: rules.split_line(dish.price_minor, 1, terms).citizen_minor for dish in dishes}
    if request.method == "POST" and form.is_valid():
        try:
            services.meal_order_place(actor=request.user, decision=decision, menu=menu, delivery_date=delivery_date,
                                      lines=form.lines())
        except ValidationError as error:
            add_service_errors(form, error, ORDER_ERRORS)
        else:
            messages.success(request, _("Your order has been sent to %(provider)s.") % {"provider": menu.provider})
            return redirect("meals:my_orders")
    rows = [{"dish": dish, "field": form[f"dish_{dish.public_id}"], "own_share": shares[dish.pk]} for dish in dishes]
    return render(request, "meals/order.html", {
        "decision": decision, "meal_menu": menu, "day": delivery_date, "form": form, "rows": rows,
        "deadline": services.deadline_of(menu, delivery_date),
        "acting_for_other": decision.citizen.user_id != request.user.pk,
    })


@login_required
def my_orders(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.CHOICE_MAKE_OWN)
    citizens = citizens_represented_by(request.user)
    orders = selectors.orders_for(actor=request.user).filter(citizen__in=citizens)
    now = timezone.now()
    rows = [{"order": o, "may_cancel": o.status in (OrderStatus.PLACED, OrderStatus.CONFIRMED)
             and rules.may_still_order(now, o.deadline)} for o in orders]
    return render(request, "meals/my_orders.html", {"rows": rows})


@login_required
@require_POST
def cancel(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.CHOICE_MAKE_OWN)
    meal_order = _order_or_404(request, public_id)
    try:
        services.meal_order_cancel(actor=request.user, order=meal_order)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The order is cancelled."))
    return redirect("meals:my_orders")


def _order_or_404(request: AuthenticatedRequest, public_id: UUID) -> MealOrder:
    try:
        return selectors.order_get(actor=request.user, public_id=public_id)
    except MealOrder.DoesNotExist as missing:
        raise Http404(_("No such order.")) from missing


# --- provider -----------------------------------------------------------------------------


def _require_provider(request: AuthenticatedRequest) -> None:
    require(request.user, roles.PROVIDER_VIEW_CLIENTS)
    if not selectors.meal_services_for_provider(actor=request.user).exists():
        raise PermissionDenied(_("Your provider is not approved for a meal service."))


def _not_a_meal_provider(request: AuthenticatedRequest) -> HttpResponse | None:
    """The provider's meal pages, for a provider not approved for meals: what to do, not a 403."""
    require(request.user, roles.PROVIDER_VIEW_CLIENTS)
    if selectors.meal_services_for_provider(actor=request.user).exists():
        return None
    return render(request, "meals/not_a_meal_provider.html")


@login_required
def provider_menus(request: AuthenticatedRequest) -> HttpResponse:
    if (advice := _not_a_meal_provider(request)) is not None:
        return advice
    return render(request, "meals/provider_menus.html", {"menus": selectors.menus_of_provider(actor=request.user)})


def _menu_form(request: AuthenticatedRequest, menu: Menu | None) -> MenuForm:
    services_qs, districts = selectors.menu_form_choices(actor=request.user)
    initial: dict[str, Any] = {}
    if menu is not None:
        initial = {"service": menu.service, "year": menu.year, "week": menu.week,
                   "delivery_weekdays": menu.delivery_weekdays, "delivery_time": menu.delivery_time,
                   "deadline_days_before": menu.deadline_days_before, "deadline_time": menu.deadline_time,
                   "districts": list(menu.districts.all())}
    else:
        iso = (timezone.localdate() + timedelta(days=7)).isocalendar()
        initial = {"year": iso.year, "week": iso.week, "delivery_weekdays": [1, 2, 3, 4, 5]}
    data = request.POST if request.method == "POST" and request.POST.get("action") == "menu" else None
    return MenuForm(data, initial=initial, services=services_qs, districts=districts)


def _save_menu(request: AuthenticatedRequest, form: MenuForm, menu: Menu | None) -> Menu | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    approval = selectors.meal_services_for_provider(actor=request.user).filter(service=data["service"]).first()
    if approval is None:
        form.add_error("service", _("Choose a meal service."))
        return None
    try:
        return services.menu_save(
            actor=request.user, provider=approval.provider, service=data["service"], year=data["year"],
            week=data["week"], delivery_weekdays=data["delivery_weekdays"], districts=data["districts"],
            delivery_time=data["delivery_time"], deadline_days_before=data["deadline_days_before"],
            deadline_time=data["deadline_time"], menu=menu)
    except ValidationError as error:
        add_service_errors(form, error, {"menu": "__all__"})
        return None


@login_required
def menu_create(request: AuthenticatedRequest) -> HttpResponse:
    _require_provider(request)
    form = _menu_form(request, None)
    if form.is_bound:
        saved = _save_menu(request, form, None)
        if saved is not None:
            messages.success(request, _("The menu is saved. Add its dishes."))
            return redirect("meals:menu_edit", public_id=saved.public_id)
    return render(request, "meals/menu_edit.html", {"form": form, "meal_menu": None, "dish_form": None})


@login_required
def menu_edit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_provider(request)
    try:
        menu = selectors.menu_get_for_provider(actor=request.user, public_id=public_id)
    except Menu.DoesNotExist as missing:
        raise Http404(_("No such menu.")) from missing
    form = _menu_form(request, menu)
    action = request.POST.get("action") if request.method == "POST" else None
    dish_form = DishForm(request.POST if action == "dish" else None)
    if action == "menu" and _save_menu(request, form, menu) is not None:
        messages.success(request, _("The menu is saved."))
        return redirect("meals:menu_edit", public_id=menu.public_id)
    if action == "dish" and dish_form.is_valid():
        data = dish_form.cleaned_data
        try:
            services.dish_add(actor=request.user, menu=menu, name=data["name"], description=data["description"],
                              price_minor=to_minor(data["price"]), allergens=data["allergens"], diets=data["diets"])
        except ValidationError as error:
            add_service_errors(dish_form, error, {"price_minor": "price", "menu": "__all__"})
        else:
            messages.success(request, _("The dish is added."))
            return redirect("meals:menu_edit", public_id=menu.public_id)
    if action == "remove":
        dish_id = request.POST.get("dish", "")
        dish = menu.dishes.filter(public_id=dish_id).first() if _is_uuid(dish_id) else None
        if dish is None:
            raise Http404(_("No such dish."))
        try:
            services.dish_remove(actor=request.user, dish=dish)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("meals:menu_edit", public_id=menu.public_id)
    if action == "publish":
        try:
            services.menu_publish(actor=request.user, menu=menu)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The menu is published."))
        return redirect("meals:menu_edit", public_id=menu.public_id)
    return render(request, "meals/menu_edit.html", {"form": form, "meal_menu": menu, "dish_form": dish_form})


def _is_uuid(value: str | None) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


@login_required
def provider_orders(request: AuthenticatedRequest) -> HttpResponse:
    if (advice := _not_a_meal_provider(request)) is not None:
        return advice
    day = timezone.localdate()
    if request.GET.get("date"):
        try:
            day = date.fromisoformat(request.GET["date"])
        except ValueError:
            messages.error(request, _("Enter the date as YYYY-MM-DD."))
    orders = selectors.orders_for(actor=request.user, delivery_date=day).filter(
        provider_id__in=selectors.meal_services_for_provider(actor=request.user).values("provider_id"))
    return render(request, "meals/provider_orders.html", {
        "orders": orders, "day": day, "previous": day - timedelta(days=1), "next": day + timedelta(days=1),
        "meals": sum(o.meals for o in orders if o.status not in (OrderStatus.REJECTED, OrderStatus.CANCELLED)),
    })


@login_required
@require_POST
def order_action(request: AuthenticatedRequest, public_id: UUID, action: str) -> HttpResponse:
    _require_provider(request)
    meal_order = _order_or_404(request, public_id)
    form = ReasonForm(request.POST)
    try:
        if action == "confirm":
            services.meal_order_confirm(actor=request.user, order=meal_order)
        elif action == "deliver":
            services.meal_order_deliver(actor=request.user, order=meal_order)
        elif action in ("reject", "missed"):
            reason = request.POST.get("reason", "")
            if action == "reject":
                services.meal_order_reject(actor=request.user, order=meal_order, reason=reason)
            else:
                services.meal_order_missed(actor=request.user, order=meal_order, reason=reason)
        else:
            raise Http404(action)
    except ValidationError as error:
        add_service_errors(form, error)
        for message in [*form.non_field_errors(), *form.errors.get("reason", [])]:
            messages.error(request, message)
    else:
        messages.success(request, _("The order is updated."))
    return redirect(f"{_orders_url()}?date={meal_order.delivery_date.isoformat()}")


def _orders_url() -> str:
    return reverse("meals:provider_orders")


# --- purchaser ----------------------------------------------------------------------------


@login_required
def payment_rule(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.PROVIDER_MANAGE)
    if request.user.municipality_id is None:
        raise PermissionDenied(roles.PROVIDER_MANAGE.description)
    rule = selectors.payment_rule_for(actor=request.user)
    initial = {"mode": rule.mode if rule else "nothing",
               "amount": rule.amount_minor / 100 if rule and rule.amount_minor else None}
    form = PaymentRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        amount = form.cleaned_data["amount"]
        try:
            services.meal_payment_rule_set(actor=request.user, mode=form.cleaned_data["mode"],
                                           amount_minor=to_minor(amount) if amount is not None else 0)
        except ValidationError as error:
            add_service_errors(form, error, {"amount_minor": "amount"})
        else:
            messages.success(request, _("The meal payment rule is saved."))
            return redirect("meals:payment_rule")
    return render(request, "meals/payment_rule.html", {"form": form, "rule": rule})


@login_required
def signals(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.FOLLOWUP_VIEW)
    today = timezone.localdate()
    form = MonthForm(request.GET or None, initial={"year": today.year, "month": today.month})
    year, month = today.year, today.month
    if form.is_valid():
        year, month = form.cleaned_data["year"], form.cleaned_data["month"]
    show_bills = has_permission(request.user, roles.SETTLEMENT_RUN)
    return render(request, "meals/signals.html", {
        "form": form, "year": year, "month": month,
        "signals": selectors.meal_signals(actor=request.user, year=year, month=month),
        "bills": selectors.meal_copayments(actor=request.user, year=year, month=month) if show_bills else None,
        "currency": request.user.municipality.currency if request.user.municipality else "DKK",
    })
