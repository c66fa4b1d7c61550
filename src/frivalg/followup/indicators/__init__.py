"""Every follow-up indicator, registered by aspect (followup.indicators.base explains the shape).
Importing this package registers them all."""

from frivalg.followup.indicators import (  # noqa: F401 - imported to register
    actors,
    choice,
    competition,
    economy,
    fairness,
    quality,
    supply,
)
from frivalg.followup.indicators.base import ASPECTS, REGISTRY, Chart, Column, Indicator, IndicatorError

__all__ = ["ASPECTS", "REGISTRY", "Chart", "Column", "Indicator", "IndicatorError"]
