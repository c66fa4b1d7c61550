"""Money as integer minor units (øre/öre) with an explicit rounding rule. Pure: no Django."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: The one rounding rule for turning a computed amount into minor units: half away from zero,
#: as Danish, Swedish and Norwegian public accounting round øre/öre.
ROUNDING = ROUND_HALF_UP
MINOR_PER_MAJOR = 100


def round_minor(amount: Decimal) -> int:
    """Round an amount already expressed in minor units to a whole number of minor units."""
    return int(amount.quantize(Decimal(1), rounding=ROUNDING))


@dataclass(frozen=True, order=True)
class Money:
    minor: int
    currency: str

    @classmethod
    def of(cls, major: Decimal | int | str, currency: str) -> Money:
        return cls(round_minor(Decimal(major) * MINOR_PER_MAJOR), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @property
    def major(self) -> Decimal:
        return (Decimal(self.minor) / MINOR_PER_MAJOR).quantize(Decimal("0.01"))

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def times(self, factor: Decimal | int) -> Money:
        """Multiply by an exact factor (a quantity, a percentage as a fraction) and round once."""
        return Money(round_minor(Decimal(self.minor) * Decimal(factor)), self.currency)

    def __str__(self) -> str:
        sign = "-" if self.minor < 0 else ""
        whole, cents = divmod(abs(self.minor), MINOR_PER_MAJOR)
        return f"{sign}{whole:,}".replace(",", ".") + f",{cents:02d} {self.currency}"


def per_minute_amount(hourly_minor: int, minutes: Decimal | int) -> int:
    """Minor units for `minutes` at an hourly rate, rounded once by ROUNDING."""
    return round_minor(Decimal(hourly_minor) * Decimal(minutes) / Decimal(60))
