"""Reads of menus, orders and signals, scoped to the actor: a provider's admins see their
provider's menus and orders; a citizen (or a relative by power of attorney) their own orders;
the municipality's purchaser staff their municipality. Published menus are public."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from frivalg.assessments.models import Decision, DecisionStatus
from frivalg.catalogue.models import CareLevel, Service, Unit
from frivalg.choices.models import Complaint
from frivalg.core import roles
from frivalg.core.models import Citizen, District, Municipality, User
from frivalg.core.selectors import AnyUser, citizens_represented_by, has_permission, is_municipal_staff
from frivalg.meals import rules
from frivalg.meals.models import Dish, MealOrder, MealOrderLine, MealPaymentRule, Menu, OrderStatus
from frivalg.providers.models import Approval, ApprovalStatus, Provider
from frivalg.providers.selectors import admin_provider_ids_of

#: Orders that count against the weekly grant (cancelled and rejected ones do not).
COUNTING = (OrderStatus.PLACED, OrderStatus.CONFIRMED, OrderStatus.DELIVERED, OrderStatus.MISSED)


def meal_service_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}care_level": CareLevel.MEALS}) | Q(**{f"{prefix}unit": Unit.MEAL})


def is_meal_service(service: Service) -> bool:
    return service.care_level == CareLevel.MEALS or service.unit == Unit.MEAL


def approval_in_force(*, provider: Provider, service: Service, on: date) -> Approval | None:
    """The provider's approval for the service on the day, if it is approved then."""
    return (
        Approval.objects.filter(provider=provider, service=service, municipality_id=service.municipality_id,
                                status=ApprovalStatus.APPROVED, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .first()
    )


def payment_terms_for(municipality: Municipality) -> rules.PaymentTerms:
    rule = MealPaymentRule.objects.filter(municipality=municipality).first()
    if rule is None:
        return rules.PaymentTerms(rules.MODE_NOTHING, 0)
    return rules.PaymentTerms(rule.mode, rule.amount_minor)


def payment_rule_for(*, actor: AnyUser) -> MealPaymentRule | None:
    if not is_municipal_staff(actor) or not has_permission(actor, roles.PROVIDER_MANAGE):
        return None
    assert isinstance(actor, User) and actor.municipality_id is not None
    return MealPaymentRule.objects.filter(municipality_id=actor.municipality_id).first()


def _dishes() -> Prefetch[str]:
    return Prefetch("dishes", queryset=Dish.objects.order_by("name"))


def menus_published(*, municipality: Municipality, year: int, week: int,
                    district: District | None = None) -> QuerySet[Menu]:
    """Public: the published menus of a week whose provider is approved for the meal service on
    the week's Monday, optionally only those delivering to `district`."""
    monday = date.fromisocalendar(year, week, 1) if rules.valid_week(year, week) else None
    if monday is None:
        return Menu.objects.none()
    approved = Approval.objects.filter(
        provider_id=OuterRef("provider_id"), service_id=OuterRef("service_id"), municipality=municipality,
        status=ApprovalStatus.APPROVED, valid_from__lte=monday,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=monday))
    menus = Menu.objects.filter(municipality=municipality, year=year, week=week, published=True).filter(
        Exists(approved))
    if district is not None:
        menus = menus.filter(districts=district)
    ids = menus.values("pk")
    return (Menu.objects.filter(pk__in=ids).select_related("provider", "service", "municipality")
            .prefetch_related(_dishes(), "districts").order_by("provider__name"))


def menus_of_provider(*, actor: AnyUser) -> QuerySet[Menu]:
    """The menus of the providers the actor administers."""
    if not has_permission(actor, roles.PROVIDER_VIEW_CLIENTS):
        return Menu.objects.none()
    return (Menu.objects.filter(provider_id__in=admin_provider_ids_of(actor))
            .select_related("provider", "service", "municipality").prefetch_related(_dishes(), "districts")
            .order_by("-year", "-week", "provider__name"))


def menu_get_for_provider(*, actor: AnyUser, public_id: UUID | str) -> Menu:
    return menus_of_provider(actor=actor).get(public_id=public_id)


def meal_services_for_provider(*, actor: AnyUser) -> QuerySet[Approval]:
    """The approvals for a meal service held by the providers the actor administers."""
    if not has_permission(actor, roles.PROVIDER_VIEW_CLIENTS):
        return Approval.objects.none()
    service_ids = Service.objects.filter(meal_service_q()).values("pk")
    return (Approval.objects.filter(provider_id__in=admin_provider_ids_of(actor), service_id__in=service_ids,
                                    status=ApprovalStatus.APPROVED)
            .select_related("provider", "service", "municipality"))


def meal_decisions_for(*, actor: AnyUser, on: date) -> QuerySet[Decision]:
    """The granted meal decisions in force on `on` of the citizens the actor is or represents."""
    if not has_permission(actor, roles.CHOICE_MAKE_OWN):
        return Decision.objects.none()
    citizens = citizens_represented_by(actor).values("pk")
    return (Decision.objects.filter(citizen_id__in=citizens, status=DecisionStatus.GRANTED, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .filter(meal_service_q("service__"))
            .select_related("citizen__district", "service", "municipality"))


def _order_q(actor: User) -> Q:
    """Which orders the actor may see, one condition per branch."""
    allowed = Q(pk__in=[])
    if has_permission(actor, roles.CITIZEN_VIEW_OWN):
        allowed |= Q(citizen_id__in=citizens_represented_by(actor).values("pk"))
    if has_permission(actor, roles.PROVIDER_VIEW_CLIENTS):
        allowed |= Q(provider_id__in=admin_provider_ids_of(actor))
    if is_municipal_staff(actor) and has_permission(actor, roles.PROVIDER_MANAGE):
        allowed |= Q(municipality_id=actor.municipality_id)
    return allowed


def orders_for(*, actor: AnyUser, delivery_date: date | None = None, citizen: Citizen | None = None,
               provider: Provider | None = None) -> QuerySet[MealOrder]:
    if not actor.is_authenticated:
        return MealOrder.objects.none()
    assert isinstance(actor, User)
    orders = MealOrder.objects.filter(_order_q(actor))
    if delivery_date is not None:
        orders = orders.filter(delivery_date=delivery_date)
    if citizen is not None:
        orders = orders.filter(citizen=citizen)
    if provider is not None:
        orders = orders.filter(provider=provider)
    lines = Prefetch("lines", queryset=MealOrderLine.objects.select_related("dish").order_by("id"))
    return (orders.select_related("citizen__district", "provider", "decision", "menu", "municipality")
            .prefetch_related(lines).order_by("delivery_date", "id"))


def order_get(*, actor: AnyUser, public_id: UUID | str) -> MealOrder:
    """One order; MealOrder.DoesNotExist when the actor may not see it."""
    return orders_for(actor=actor).get(public_id=public_id)


def meals_ordered_in_week(*, decision: Decision, year: int, week: int, excluding: MealOrder | None = None) -> int:
    """Meals ordered on the decision for delivery in the ISO week (internal: the weekly limit)."""
    monday = date.fromisocalendar(year, week, 1)
    sunday = date.fromisocalendar(year, week, 7)
    lines = MealOrderLine.objects.filter(order__decision=decision, order__delivery_date__range=(monday, sunday),
                                         order__status__in=COUNTING)
    if excluding is not None:
        lines = lines.exclude(order=excluding)
    return int(lines.aggregate(total=Coalesce(Sum("quantity"), 0))["total"])


@dataclass(frozen=True)
class ProviderSignals:
    provider_id: int
    provider_name: str
    orders: int
    meals_delivered: int
    rejected: int
    missed: int
    cancelled: int
    complaints: int


def meal_signals(*, actor: AnyUser, year: int, month: int) -> list[ProviderSignals]:
    """Per provider for the month of delivery: orders, meals delivered, rejected, missed and
    cancelled orders, and the complaints about the provider received in the month (a complaint
    names no service, so these are all its complaints). Staff with FOLLOWUP_VIEW of the
    municipality only."""
    if not is_municipal_staff(actor) or not has_permission(actor, roles.FOLLOWUP_VIEW):
        return []
    assert isinstance(actor, User) and actor.municipality_id is not None
    orders = MealOrder.objects.filter(municipality_id=actor.municipality_id, delivery_date__year=year,
                                      delivery_date__month=month)
    counts = (orders.values("provider_id", "provider__name")
              .annotate(total=Count("pk"),
                        rejected=Count("pk", filter=Q(status=OrderStatus.REJECTED)),
                        missed=Count("pk", filter=Q(status=OrderStatus.MISSED)),
                        cancelled=Count("pk", filter=Q(status=OrderStatus.CANCELLED))))
    delivered: dict[int, int] = defaultdict(int)
    for row in (MealOrderLine.objects.filter(order__in=orders, order__status=OrderStatus.DELIVERED)
                .values("order__provider_id").annotate(meals=Sum("quantity"))):
        delivered[row["order__provider_id"]] = int(row["meals"])
    complaints = dict(
        Complaint.objects.filter(municipality_id=actor.municipality_id, received__year=year, received__month=month)
        .values("provider_id").annotate(n=Count("pk")).values_list("provider_id", "n"))
    return sorted(
        (ProviderSignals(row["provider_id"], row["provider__name"], row["total"], delivered[row["provider_id"]],
                         row["rejected"], row["missed"], row["cancelled"], complaints.get(row["provider_id"], 0))
         for row in counts),
        key=lambda s: s.provider_name,
    )


@dataclass(frozen=True)
class CitizenMealBill:
    citizen_id: int
    citizen_name: str
    meals: int
    amount_minor: int


def meal_copayments(*, actor: AnyUser, year: int, month: int) -> list[CitizenMealBill]:
    """The citizens' shares of the meals delivered in the month, per citizen: the meals line of
    their co-payment bill (docs/meals.md). Finance of the municipality only."""
    if not is_municipal_staff(actor) or not has_permission(actor, roles.SETTLEMENT_RUN):
        return []
    assert isinstance(actor, User) and actor.municipality_id is not None
    rows = (MealOrderLine.objects.filter(order__municipality_id=actor.municipality_id,
                                         order__status=OrderStatus.DELIVERED, order__delivery_date__year=year,
                                         order__delivery_date__month=month)
            .values("order__citizen_id", "order__citizen__first_name", "order__citizen__last_name")
            .annotate(meals=Sum("quantity"), amount=Sum("citizen_share_minor"))
            .order_by("order__citizen__last_name", "order__citizen__first_name", "order__citizen_id"))
    return [CitizenMealBill(r["order__citizen_id"],
                            f'{r["order__citizen__first_name"]} {r["order__citizen__last_name"]}',
                            int(r["meals"]), int(r["amount"])) for r in rows]


def meal_shares_of_month(*, municipality_id: int, start: date, end: date) -> list[tuple[int, int, int]]:
    """(citizen id, meals, citizen's share in minor units) of the meals delivered from `start` up
    to `end` (exclusive) in the municipality, by citizen id. Internal: the settlement's co-payment
    bills read it after checking SETTLEMENT_RUN. The delivery date is the municipality's local
    day; the shares are the ones fixed on the order lines when the orders were placed."""
    rows = (MealOrderLine.objects.filter(order__municipality_id=municipality_id, order__status=OrderStatus.DELIVERED,
                                         order__delivery_date__gte=start, order__delivery_date__lt=end)
            .values("order__citizen_id").annotate(meals=Sum("quantity"), amount=Sum("citizen_share_minor"))
            .order_by("order__citizen_id"))
    return [(int(r["order__citizen_id"]), int(r["meals"]), int(r["amount"])) for r in rows]


def menu_form_choices(*, actor: AnyUser) -> tuple[QuerySet[Service], QuerySet[District]]:
    """The meal services the actor's providers are approved for, and their municipalities' districts."""
    approvals = meal_services_for_provider(actor=actor)
    return (Service.objects.filter(pk__in=approvals.values("service_id")),
            District.objects.filter(municipality_id__in=approvals.values("municipality_id")))


def municipality_by_code(code: str) -> Municipality:
    """A municipality by its public code (menus are public); Municipality.DoesNotExist otherwise."""
    return Municipality.objects.get(code=code)


def district_by_code(*, municipality: Municipality, code: str) -> District:
    return District.objects.get(municipality=municipality, code=code)
