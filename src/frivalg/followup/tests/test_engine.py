from datetime import date

import pytest

from frivalg.followup.indicators import REGISTRY, IndicatorError
from frivalg.followup.indicators.competition import Concentration
from frivalg.followup.tests.tables import engine

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 4, 1)}


def done(provider, minutes, **extra):
    return {"municipality_id": 1, "provider_id": provider, "service_id": 5, "district_id": 7, "status": "done",
            "day": date(2026, 3, 2), "month": date(2026, 3, 1), "performed_minutes": minutes, **extra}


def test_hhi_by_hand():
    # Shares 50 %, 25 %, 25 %: 2 500 + 625 + 625 = 3 750, highly concentrated.
    e = engine(visits=[done(1, 60), done(1, 60), done(2, 60), done(3, 60)])
    rows = Concentration(**MARCH, municipality_id=1, by=("service",)).run(e).to_pylist()
    assert rows == [{"service_id": 5, "hhi": 3750.0, "level": "high", "providers": 3, "hours": 4.0}]


def test_scope_leaves_out_other_municipalities_periods_and_unverified_visits():
    april = {"day": date(2026, 4, 1), "month": date(2026, 4, 1)}
    e = engine(visits=[done(1, 60), done(2, 60, municipality_id=2), done(3, 60, **april),
                       done(4, None), done(5, 60, status="missed")])
    rows = Concentration(**MARCH, municipality_id=1).run(e).to_pylist()
    assert rows == [{"hhi": 10000.0, "level": "high", "providers": 1, "hours": 1.0}]


def test_parameters_are_checked_and_keyed_canonically():
    with pytest.raises(IndicatorError):
        Concentration(start=date(2026, 3, 1), end=date(2026, 3, 1))
    with pytest.raises(IndicatorError):
        Concentration(**MARCH, by=("provider",))
    with pytest.raises(IndicatorError):
        Concentration(**MARCH, by=("galaxy",))
    a = Concentration(**MARCH, by=("month", "service"))
    b = Concentration(**MARCH, by=("service", "month"))
    assert a.by == ("service", "month") and a.key() == b.key()
    assert a.key() != Concentration(**MARCH, by=("service",)).key()


def test_every_registered_indicator_declares_itself():
    assert REGISTRY.indicators
    for code, cls in REGISTRY.indicators.items():
        assert cls.code == code
        assert str(cls.title) and str(cls.method) and str(cls.description)
        assert cls.columns and cls.dimensions
        if cls.chart is not None:
            names = {"municipality_id", "district_id", "service_id", "provider_id", "month",
                     *(c.name for c in cls.columns)}
            assert {cls.chart.x, cls.chart.y} <= names


def test_every_registered_indicator_runs_on_an_empty_snapshot_in_every_breakdown():
    e = engine()
    for cls in REGISTRY.indicators.values():
        for by in [(), *((d,) for d in cls.dimensions)]:
            table = cls(**MARCH, municipality_id=1, by=by).run(e)
            assert table.column_names == cls(**MARCH, by=by).output_schema


def test_the_documentation_lists_every_indicator():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[4] / "docs" / "followup.md").read_text()
    missing = [code for code in REGISTRY.indicators if f"`{code}`" not in text]
    assert not missing, f"docs/followup.md lacks {missing}"
