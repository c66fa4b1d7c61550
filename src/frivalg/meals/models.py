"""The meals marketplace (the "just-eat model"): approved meal providers publish weekly menus,
citizens with a meal decision order from any of them, and the municipality's payment rule
splits each line between the municipality and the citizen."""

import uuid
from datetime import time

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Decision
from frivalg.catalogue.models import Service
from frivalg.core.models import Citizen, District, Municipality, TimeStamped, User
from frivalg.providers.models import Provider


class Allergen(models.TextChoices):
    """The 14 allergens the EU requires to be declared (Regulation (EU) No 1169/2011, Annex II)."""

    GLUTEN = "gluten", _("Cereals containing gluten")
    CRUSTACEANS = "crustaceans", _("Crustaceans")
    EGGS = "eggs", _("Eggs")
    FISH = "fish", _("Fish")
    PEANUTS = "peanuts", _("Peanuts")
    SOYBEANS = "soybeans", _("Soybeans")
    MILK = "milk", _("Milk")
    NUTS = "nuts", _("Nuts")
    CELERY = "celery", _("Celery")
    MUSTARD = "mustard", _("Mustard")
    SESAME = "sesame", _("Sesame seeds")
    SULPHITES = "sulphites", _("Sulphur dioxide and sulphites")
    LUPIN = "lupin", _("Lupin")
    MOLLUSCS = "molluscs", _("Molluscs")


class Diet(models.TextChoices):
    DIABETIC = "diabetic", _("Suitable for diabetics")
    SOFT = "soft", _("Soft food")
    PUREE = "puree", _("Purée")
    VEGETARIAN = "vegetarian", _("Vegetarian")
    LACTOSE_FREE = "lactose_free", _("Lactose-free")
    GLUTEN_FREE = "gluten_free", _("Gluten-free")


class Menu(TimeStamped):
    """One provider's menu for one ISO week in one municipality."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="meal_menus")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="meal_menus")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="meal_menus")
    year = models.PositiveSmallIntegerField(_("year (ISO)"))
    week = models.PositiveSmallIntegerField(_("week (ISO)"))
    delivery_weekdays = models.JSONField(
        _("delivery days"), default=list, help_text=_("ISO weekdays: 1 is Monday, 7 is Sunday."))
    delivery_time = models.TimeField(_("delivery time"), default=time(11, 0))
    deadline_days_before = models.PositiveSmallIntegerField(_("order deadline: days before delivery"), default=2)
    deadline_time = models.TimeField(_("order deadline: time of day"), default=time(12, 0))
    districts = models.ManyToManyField(District, related_name="meal_menus", verbose_name=_("districts served"))
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["year", "week", "provider"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "municipality", "year", "week"],
                                    name="meal_menu_once_per_week"),
            models.CheckConstraint(condition=Q(week__gte=1, week__lte=53), name="meal_menu_week_range"),
        ]
        verbose_name = _("menu")
        verbose_name_plural = _("menus")

    def __str__(self) -> str:
        return f"{self.provider} {self.year}-W{self.week:02d}"


class Dish(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="dishes")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    price_minor = models.BigIntegerField(_("price in øre/öre"))
    allergens = models.JSONField(_("allergens"), default=list, blank=True)
    diets = models.JSONField(_("diets"), default=list, blank=True)

    class Meta:
        ordering = ["menu", "name"]
        constraints = [models.CheckConstraint(condition=Q(price_minor__gte=0), name="meal_dish_price_not_negative")]
        verbose_name = _("dish")
        verbose_name_plural = _("dishes")

    def __str__(self) -> str:
        return self.name


class PaymentMode(models.TextChoices):
    DELIVERY = "delivery", _("The municipality pays the delivery (an amount per meal)")
    SUBSIDY = "subsidy", _("The municipality pays a fixed subsidy per meal")
    NOTHING = "nothing", _("The municipality pays nothing; the citizen pays the whole price")


class MealPaymentRule(TimeStamped):
    """What the municipality pays of each meal; the citizen pays the rest of the dish price."""

    municipality = models.OneToOneField(Municipality, on_delete=models.PROTECT, related_name="meal_payment_rule")
    mode = models.CharField(_("what the municipality pays"), max_length=8, choices=PaymentMode.choices,
                            default=PaymentMode.NOTHING)
    amount_minor = models.BigIntegerField(_("amount per meal in øre/öre"), default=0)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["municipality"]
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gte=0), name="meal_rule_amount_not_negative")]
        verbose_name = _("meal payment rule")
        verbose_name_plural = _("meal payment rules")


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    DELIVERED = "delivered", _("Delivered")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled by the citizen")


class MealOrder(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="meal_orders")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="meal_orders")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="meal_orders")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="meal_orders")
    menu = models.ForeignKey(Menu, on_delete=models.PROTECT, related_name="orders")
    delivery_date = models.DateField(_("delivery date"))
    deadline = models.DateTimeField(_("order deadline"))
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    reason = models.TextField(_("reason"), blank=True)
    placed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    handled_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        ordering = ["delivery_date", "id"]
        indexes = [
            models.Index(fields=["provider", "delivery_date"]),
            models.Index(fields=["decision", "delivery_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["rejected", "missed"]) | ~Q(reason=""), name="meal_order_reason_required"),
        ]
        verbose_name = _("meal order")
        verbose_name_plural = _("meal orders")

    @property
    def meals(self) -> int:
        return sum(line.quantity for line in self.lines.all())

    @property
    def citizen_share_minor(self) -> int:
        return sum(line.citizen_share_minor for line in self.lines.all())


class MealOrderLine(TimeStamped):
    """The shares are for the whole line (quantity × unit price), fixed when the order is placed."""

    order = models.ForeignKey(MealOrder, on_delete=models.CASCADE, related_name="lines")
    dish = models.ForeignKey(Dish, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    unit_price_minor = models.BigIntegerField(_("unit price in øre/öre"))
    municipality_share_minor = models.BigIntegerField(_("municipality's share in øre/öre"))
    citizen_share_minor = models.BigIntegerField(_("citizen's share in øre/öre"))

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="meal_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(municipality_share_minor__gte=0, citizen_share_minor__gte=0),
                name="meal_line_shares_not_negative"),
        ]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
