"""Section 4 of the pricing issue: municipalities' prices side by side, with spread and outliers."""

from decimal import Decimal

import pytest
from django.utils import translation
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


def test_the_private_price_is_shown_beside_the_in_house_price(client, world, two_sheets):
    ours, _theirs = two_sheets
    practical = next(r for r in price_comparison() if (r.service, r.time_band) == ("practical_help", "day"))
    by_sheet = {p.ref: (p.price, p.private_price) for p in practical.spread.points}
    # The documented example: 614.75 in-house, 806.86 private (docs/pricing.md, worked example 1).
    assert by_sheet[str(ours.public_id)] == (Decimal("614.75"), Decimal("806.86"))
    body = client.get("/pricing/compare/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Private provider's price per hour" in body
    assert "<td class=\"text-align-right\">806.86</td>" in body


def test_a_sheet_without_private_prices_shows_none(world):
    document = load()
    del document["private_adjustments"]
    price_sheet_publish(actor=world.finance,
                        cost_model=cost_model_import(actor=world.finance, municipality=world.muni, document=document))
    (point,) = next(r for r in price_comparison() if r.service == "practical_help").spread.points
    assert point.private_price is None


def test_the_chart_spec_has_every_municipality_and_marks_the_outliers():
    from frivalg.pricing.selectors import ComparisonRow
    from frivalg.pricing.views import _comparison_chart

    spread = price_spread([PricePoint("A", "a", Decimal("400.00"), Decimal("420.50")),
                           PricePoint("B", "b", Decimal("410.00")), PricePoint("C", "c", Decimal("420.00")),
                           PricePoint("E", "e", Decimal("430.00")), PricePoint("D", "d", Decimal("900.00"),
                                                                             Decimal("945.00"))])
    with translation.override("en"):
        spec = _comparison_chart(ComparisonRow("practical_help", "day", "DKK", spread))
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v5")
    values = spec["datasets"][spec["data"]["name"]]  # Altair keeps inline data in named datasets
    rows = {(v["municipality"], v["kind"]): (v["exact"], v["outlier"]) for v in values}
    assert rows == {
        ("A", "In-house price"): ("400.00", ""), ("A", "Private provider's price"): ("420.50", ""),
        ("B", "In-house price"): ("410.00", ""), ("C", "In-house price"): ("420.00", ""),
        ("E", "In-house price"): ("430.00", ""),
        ("D", "In-house price"): ("900.00", "Outlier"), ("D", "Private provider's price"): ("945.00", ""),
    }
    # Hinges 410 and 430, fences 1.5 × 20 = 30 outside them: 900 is the one outlier.
    assert spec["layer"][2]["encoding"]["x"] == {"datum": 420.0}  # the median


def test_the_page_embeds_the_chart_of_the_chosen_group_and_loads_vega_only_there(client, world, two_sheets):
    body = client.get("/pricing/compare/?chart=personal_care:evening:DKK", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<div id="price-chart" role="img" aria-labelledby="price-chart-caption">' in body
    assert 'id="price-chart-spec" type="application/json"' in body
    assert "for personal_care · evening (DKK)" in body
    assert '<option value="personal_care:evening:DKK" selected>' in body
    assert "vendor/vega/vega-embed.min.js" in body and "frivalg/charts.js" in body
    assert "<figure class=\"mb-6\" hidden>" in body  # shown by charts.js: without JavaScript, the tables only
    unknown = client.get("/pricing/compare/?chart=nothing", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="personal_care:day:DKK" selected>' in unknown  # the first group
    sheets = client.get("/pricing/sheets/").content.decode()
    assert "vendor/vega" not in sheets


def test_without_sheets_there_is_no_chart(client, db):
    body = client.get("/pricing/compare/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No price sheets are published yet." in body
    assert "vendor/vega" not in body and "price-chart" not in body
