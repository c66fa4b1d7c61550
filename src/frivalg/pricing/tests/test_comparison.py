"""Section 4 of the pricing issue: municipalities' prices side by side, with spread and outliers."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.pricing.rules import PricePoint, price_spread
from frivalg.pricing.selectors import price_comparison
from frivalg.pricing.services import cost_model_import, price_sheet_publish
from frivalg.pricing.tests.examples import load


def points(*prices):
    return [PricePoint(label=f"M{i}", ref=f"r{i}", price=Decimal(p)) for i, p in enumerate(prices)]


def test_the_seed_example_232_against_481():
    spread = price_spread(points("481", "232"))
    assert (spread.lowest, spread.highest, spread.median, spread.ratio) == (
        Decimal(232), Decimal(481), Decimal("356.5"), Decimal("2.07"))
    assert [p.price for p in spread.points] == [Decimal(232), Decimal(481)]
    assert spread.outliers == frozenset()  # too few prices to call one an outlier


def test_a_price_far_outside_the_others_is_an_outlier():
    spread = price_spread(points("400", "410", "420", "430", "900"))
    assert spread.outliers == {"r4"}
    assert spread.median == Decimal(420)


def test_an_empty_comparison_is_refused():
    with pytest.raises(ValueError):
        price_spread([])


@given(st.lists(st.decimals(min_value=1, max_value=5000, places=2), min_size=1, max_size=30))
def test_median_lies_between_the_extremes_and_outliers_are_real_prices(prices):
    spread = price_spread(points(*prices))
    assert spread.lowest <= spread.median <= spread.highest
    assert spread.ratio is not None and spread.ratio >= 1
    assert spread.outliers <= {p.ref for p in spread.points}


def _scaled(document, factor):
    for pool in document["pools"]:
        if "amount" in pool:
            pool["amount"] = pool["amount"] * factor
    return document


@pytest.fixture
def two_sheets(world):
    ours = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    theirs = cost_model_import(actor=world.other_finance, municipality=world.other_muni,
                               document=_scaled(load(), 2))
    return (price_sheet_publish(actor=world.finance, cost_model=ours),
            price_sheet_publish(actor=world.other_finance, cost_model=theirs))


def test_the_latest_sheet_of_each_municipality_is_compared(world, two_sheets):
    ours, theirs = two_sheets
    rows = price_comparison()
    practical = next(r for r in rows if (r.service, r.time_band) == ("practical_help", "day"))
    assert {p.ref for p in practical.spread.points} == {str(ours.public_id), str(theirs.public_id)}
    assert practical.spread.ratio > Decimal("1.5")
    newer = price_sheet_publish(actor=world.finance, cost_model=ours.cost_model)
    practical = next(r for r in price_comparison() if (r.service, r.time_band) == ("practical_help", "day"))
    assert str(newer.public_id) in {p.ref for p in practical.spread.points}
    assert str(ours.public_id) not in {p.ref for p in practical.spread.points}
    assert price_comparison(year=1999) == []


def test_the_public_comparison_page_links_each_price_to_its_sheet(client, world, two_sheets):
    ours, theirs = two_sheets
    response = client.get("/pricing/compare/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"/pricing/sheets/{ours.public_id}/" in body and f"/pricing/sheets/{theirs.public_id}/" in body
    assert world.muni.name in body and world.other_muni.name in body
    assert client.get("/pricing/compare/?year=abc").status_code == 200
