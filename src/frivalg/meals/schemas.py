"""Request and response shapes of the meals API."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import Day, Input, QueryInput
from frivalg.meals.models import Allergen, Diet


class DishOut(Schema):
    id: UUID = Field(..., alias="public_id")
    name: str
    description: str
    price_minor: int = Field(..., description="Price per meal in øre/öre.")
    allergens: list[str] = Field(..., description="Of the EU's 14: " + ", ".join(Allergen.values))
    diets: list[str] = Field(..., description="Of: " + ", ".join(Diet.values))


class MenuOut(Schema):
    id: UUID = Field(..., alias="public_id")
    provider: UUID
    provider_name: str
    service: str = Field(..., description="The meal service's code.")
    year: int
    week: int
    delivery_days: list[date] = Field(..., description="The delivery dates of the week.")
    delivery_time: time
    deadline_days_before: int
    deadline_time: time = Field(..., description="Local time (the municipality's zone) of the order deadline.")
    districts: list[str] = Field(..., description="Codes of the districts served.")
    published: bool
    dishes: list[DishOut]

    @staticmethod
    def resolve_provider(obj: Any) -> UUID:
        return obj.provider.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_provider_name(obj: Any) -> str:
        return str(obj.provider.name)

    @staticmethod
    def resolve_service(obj: Any) -> str:
        return str(obj.service.code)

    @staticmethod
    def resolve_delivery_days(obj: Any) -> list[date]:
        return [date.fromisocalendar(obj.year, obj.week, d) for d in sorted(obj.delivery_weekdays)]

    @staticmethod
    def resolve_districts(obj: Any) -> list[str]:
        return [d.code for d in obj.districts.all()]

    @staticmethod
    def resolve_dishes(obj: Any) -> list[Any]:
        return list(obj.dishes.all())


class MenuQuery(QueryInput):
    municipality: str = Field(..., max_length=8, description="The municipality's code.")
    year: int = Field(..., ge=2000, le=2999)
    week: int = Field(..., ge=1, le=53)
    district: str | None = Field(None, max_length=16, description="Only menus delivering to this district (code).")


class DishIn(Input):
    name: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=1000)
    price_minor: int = Field(..., ge=0, le=100_000_00)
    allergens: list[Allergen] = Field(default_factory=list, max_length=14)
    diets: list[Diet] = Field(default_factory=list, max_length=6)


class MenuIn(Input):
    provider: UUID
    service: UUID = Field(..., description="The meal service the provider is approved for.")
    year: int = Field(..., ge=2000, le=2999)
    week: int = Field(..., ge=1, le=53)
    delivery_weekdays: list[int] = Field(..., min_length=1, max_length=7, description="ISO weekdays, 1 = Monday.")
    delivery_time: time = time(11, 0)
    deadline_days_before: int = Field(2, ge=0, le=14)
    deadline_time: time = time(12, 0)
    districts: list[str] = Field(..., min_length=1, max_length=100, description="District codes.")
    dishes: list[DishIn] = Field(default_factory=list, max_length=100)
    publish: bool = Field(False, description="Publish at once (needs at least one dish).")


class LineIn(Input):
    dish: UUID
    quantity: int = Field(..., ge=1, le=20)


class OrderIn(Input):
    decision: UUID = Field(..., description="The citizen's granted meal decision.")
    menu: UUID
    delivery_date: Day
    lines: list[LineIn] = Field(..., min_length=1, max_length=50)


class ReasonIn(Input):
    reason: str = Field(..., min_length=1, max_length=500)


class LineOut(Schema):
    dish: UUID
    dish_name: str
    quantity: int
    unit_price_minor: int
    municipality_share_minor: int
    citizen_share_minor: int

    @staticmethod
    def resolve_dish(obj: Any) -> UUID:
        return obj.dish.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_dish_name(obj: Any) -> str:
        return str(obj.dish.name)


class OrderOut(Schema):
    id: UUID = Field(..., alias="public_id")
    citizen: UUID
    decision: UUID
    provider: UUID
    menu: UUID
    delivery_date: date
    deadline: datetime = Field(..., description="The order (and cancellation) deadline, ISO 8601 with offset.")
    status: str
    reason: str
    lines: list[LineOut]

    @staticmethod
    def resolve_citizen(obj: Any) -> UUID:
        return obj.citizen.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_decision(obj: Any) -> UUID:
        return obj.decision.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_provider(obj: Any) -> UUID:
        return obj.provider.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_menu(obj: Any) -> UUID:
        return obj.menu.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


class OrderQuery(QueryInput):
    delivery_date: Day | None = None
