"""The pricing rules: worked examples that reproduce by hand (also in docs/pricing.md), bad input
refused with a specific message, implausible input warned about, and properties of the model."""

from copy import deepcopy
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from frivalg.pricing import rules
from frivalg.pricing.rules import CostModelError, Delivery, Direction, calculate_document

DOCS = Path(__file__).resolve().parents[4] / "docs" / "examples"
D = Decimal


def example(name):
    return yaml.safe_load((DOCS / name).read_text(encoding="utf-8"))


def small_model(**changes):
    document = {
        "municipality": "Testrup Kommune",
        "year": 2025,
        "currency": "DKK",
        "btp_percent": 50,
        "cells": [
            {"service": "practical_help", "time_band": "day", "paid_hours": 1000},
            {"service": "personal_care", "time_band": "day", "paid_hours": 3000},
        ],
        "keys": {"hours": {"by": "delivered_hours"}},
        "pools": [
            {"id": "wages", "kind": "direct_wages", "staff_group": "helpers", "amount": 600000, "key": "hours"},
            {"id": "rent", "kind": "rent", "amount": 40000, "key": "hours"},
        ],
    }
    document.update(changes)
    return document


def codes(error):
    return {(issue.path, issue.code) for issue in error.errors}


# --- worked examples ---------------------------------------------------------------------------


def test_danish_cost_pool_example_reproduces_by_hand():
    sheet = calculate_document(example("cost-model-dk.yaml"))

    practical = sheet.line("practical_help", "day")
    steps = {step.label: step for step in practical.steps}
    assert steps["Delivered hours = paid hours × user-time share (BTP)"].result == D("11000.00")  # 20 000 × 55 %
    assert steps["Wages, helpers: share allocated here"].formula == "20000000.00 × 11000.00 / 55000.00"
    assert steps["Wages, helpers: share allocated here"].result == D("4000000.00")
    assert steps["Cleaning materials: share allocated here"].result == D("210000.00")  # key: 100 % here
    assert steps["Management of home care: share allocated here"].result == D("390000.00")  # (2.6 M − 0.65 M) / 5
    assert steps["Allocated cost"].result == D("6762300.00")
    assert practical.in_house_price == D("614.75")  # 6 762 300 ÷ 11 000 = 614.7545…
    assert [s.result for s in practical.private_steps] == [D("645.49"), D("806.86")]  # × 1.05, × 1.25
    assert practical.private_price == D("806.86")

    assert sheet.line("personal_care", "day").in_house_price == D("595.66")  # 16 380 750 ÷ 27 500
    assert sheet.line("personal_care", "evening").in_house_price == D("650.21")  # 10 728 450 ÷ 16 500

    pools = {step.label: step for step in sheet.pool_steps}
    assert pools["Holiday pay (key: delivered)"].formula == "(20000000.00 + 900000.00) × 12.5 %"
    assert pools["Holiday pay (key: delivered)"].result == D("2612500.00")
    assert pools["Capital: depreciation + interest (key: delivered)"].result == D("216000.00")
    assert pools["Needs assessment (authority) (authority cost: excluded)"].result == D("0.00")
    assert {w.code for w in sheet.warnings} == {"authority_in_pool", "authority_excluded"}


def test_every_step_names_its_inputs_formula_result_and_source():
    sheet = calculate_document(example("cost-model-dk.yaml"))
    for line in sheet.lines:
        for step in (*line.steps, *line.private_steps):
            assert step.label and step.formula and step.unit and step.rounding
            assert step.inputs
            assert step.source
            assert step.result == step.result.quantize(D("0.01")) or step.unit == "hours"


def test_norwegian_markup_chain_reproduces_by_hand():
    sheet = calculate_document(example("cost-model-no.yaml"))

    line = sheet.line("practical_help", "day")
    assert [(s.label, s.formula, s.result) for s in line.steps] == [
        ("Hourly wage, assistant", "250.0", D("250.00")),
        ("Holiday pay", "(250.00) × 12 %", D("30.00")),
        ("Pension (KLP)", "(250.00 + 30.00) × 13 %", D("36.40")),
        ("Employer's tax", "(250.00 + 30.00 + 36.40) × 14.1 %", D("44.61")),  # 44.6124
        ("Administration", "25.0", D("25.00")),
        ("Cost per paid hour", "250.00 + 30.00 + 36.40 + 44.61 + 25.00", D("386.01")),
        ("Price per delivered hour = cost per paid hour ÷ user-time share (BTP)", "386.01 ÷ 65 %", D("593.86")),
    ]
    assert line.in_house_price == D("593.86")
    assert line.private_price is None
    assert sheet.warnings == ()


def test_a_step_without_a_base_is_a_percentage_of_everything_before_it():
    document = {
        "municipality": "X", "year": 2025, "currency": "NOK",
        "markup_chains": [{
            "service": "s", "time_band": "day", "wage": {"amount": 100},
            "steps": [{"id": "a", "percent": 10}, {"id": "b", "percent": 10}],
        }],
    }
    line = calculate_document(document).line("s", "day")
    assert [s.result for s in line.steps] == [D("100.00"), D("10.00"), D("11.00"), D("121.00")]


def test_swedish_vat_compensation_and_deduction_rules():
    document = small_model(private_adjustments=[
        {"rule": "deduction", "label": "In-house overhead out", "percent": "1.5"},
        {"rule": "vat_compensation", "label": "VAT compensation", "factor": "1.025"},
    ])
    line = calculate_document(document).line("practical_help", "day")
    assert line.in_house_price == D("320.00")  # (600 000 + 40 000) / 4 / 500 delivered hours
    assert [s.result for s in line.private_steps] == [D("315.20"), D("323.08")]  # × 0.985, × 1.025 (323.08)


def test_price_is_cost_over_delivered_hours_not_paid_hours():
    line = calculate_document(small_model()).line("practical_help", "day")
    assert line.steps[1].result == D("500.00")
    assert line.in_house_price == D("320.00")  # 160 000 / 500, not / 1 000


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"cells": [{"service": "p", "time_band": "day", "paid_hours": -5}]}, ("cells.0.paid_hours", "negative")),
        ({"cells": [{"service": "p", "time_band": "day", "paid_hours": 0}]}, ("cells.0.paid_hours", "zero")),
        ({"btp_percent": 120}, ("btp_percent", "btp_range")),
        ({"year": "next"}, ("year", "year")),
        ({"currency": "kroner"}, ("currency", "currency")),
        ({"pools": [{"id": "w", "kind": "wages", "amount": 1}]}, ("pools.0.kind", "choice")),
        ({"pools": [{"id": "r", "kind": "rent", "amount": -1, "key": "hours"}]}, ("pools.0.amount", "negative")),
        ({"pools": [{"id": "r", "kind": "rent", "amount": "lots", "key": "hours"}]}, ("pools.0.amount", "type")),
        ({"pools": [{"id": "r", "kind": "rent", "amount": 1, "key": "nope"}]}, ("pools.0.key", "unknown_key")),
        ({"pools": [{"id": "r", "kind": "rent", "key": "hours"}]}, ("pools.0", "amount")),
        ({"pools": [{"id": "p", "kind": "pension", "rate_percent": 12, "base": ["wages"], "key": "hours"}]},
         ("pools.0.base", "unknown_pool")),
        ({"pools": [{"id": "c", "kind": "capital", "depreciation": 1, "key": "hours"}]}, ("pools.0", "capital_parts")),
        ({"pools": [{"id": "r", "kind": "rent", "amount": 1, "authority_amount": 2, "key": "hours"}]},
         ("pools.0.authority_amount", "too_large")),
        ({"keys": {"k": {"by": "shares", "shares": [{"service": "x", "time_band": "day", "percent": 100}]}}},
         ("keys.k.shares.0", "unknown_cell")),
        ({"pools": [], "markup_chains": []}, ("(document)", "empty")),
    ],
)
def test_bad_input_is_refused_with_a_specific_message(change, expected):
    with pytest.raises(CostModelError) as raised:
        calculate_document(small_model(**change))
    assert expected in codes(raised.value)
    assert all(issue.message for issue in raised.value.errors)


def test_every_error_is_reported_at_once():
    document = small_model(btp_percent=-1, year=None)
    with pytest.raises(CostModelError) as raised:
        calculate_document(document)
    assert {("btp_percent", "negative"), ("year", "year")} <= codes(raised.value)


def test_a_document_that_is_not_a_mapping_is_refused():
    with pytest.raises(CostModelError) as raised:
        calculate_document(["not", "a", "model"])
    assert codes(raised.value) == {("(document)", "type")}


# --- warnings -----------------------------------------------------------------------------------


def test_btp_above_70_percent_is_a_warning_not_an_error():
    sheet = calculate_document(small_model(btp_percent=75))
    assert [(w.path, w.code) for w in sheet.warnings] == [("cells.0.btp_percent", "btp_high"),
                                                          ("cells.1.btp_percent", "btp_high")]
    assert "75 %" in sheet.warnings[0].message


def test_a_key_not_summing_to_100_percent_is_a_warning_and_allocates_as_given():
    document = small_model(keys={
        "hours": {"by": "delivered_hours"},
        "half": {"by": "shares", "shares": [{"service": "practical_help", "time_band": "day", "percent": 90}]},
    })
    document["pools"].append({"id": "it", "kind": "it", "amount": 10000, "key": "half"})
    sheet = calculate_document(document)
    assert [(w.path, w.code) for w in sheet.warnings] == [("keys.half", "key_sum")]
    assert "10 % of each pool using it is not allocated" in sheet.warnings[0].message
    assert sheet.line("practical_help", "day").in_house_price == D("338.00")  # (160 000 + 9 000) / 500


def test_a_pool_with_no_key_is_a_warning_and_stays_out_of_every_price():
    document = small_model()
    document["pools"].append({"id": "ins", "kind": "insurance", "amount": 99999, "label": "Insurance"})
    sheet = calculate_document(document)
    assert [(w.path, w.code) for w in sheet.warnings] == [("pools.2.key", "no_key")]
    assert sheet.line("practical_help", "day").in_house_price == D("320.00")


# --- after-calculation --------------------------------------------------------------------------


def test_after_calculation_settles_both_ways_or_upward_only():
    set_sheet = calculate_document(small_model())
    actual = small_model()
    actual["pools"][0]["amount"] = 660000  # wages came in higher: (660 000 + 40 000) / 4 / 500 = 350.00
    cheaper = small_model()
    cheaper["pools"][0]["amount"] = 560000  # (560 000 + 40 000) / 4 / 500 = 300.00
    deliveries = [
        Delivery("Omsorg Nord ApS", True, "practical_help", "day", D("120.5")),
        Delivery("Hjemmeplejen", False, "practical_help", "day", D("400")),
    ]

    up = rules.after_calculate(set_sheet=set_sheet, actual_sheet=calculate_document(actual), deliveries=deliveries,
                               direction=Direction.BOTH_WAYS)
    assert [(line.difference, line.settled) for line in up.lines] == [(D("3615.00"), D("3615.00")),
                                                                      (D("12000.00"), D("12000.00"))]
    assert up.lines[0].formula == "(350.00 − 320.00) × 120.5"

    down = rules.after_calculate(set_sheet=set_sheet, actual_sheet=calculate_document(cheaper),
                                 deliveries=deliveries, direction=Direction.BOTH_WAYS)
    assert down.total_for("Omsorg Nord ApS") == D("-2410.00")  # (300 − 320) × 120.5: paid back

    older = rules.after_calculate(set_sheet=set_sheet, actual_sheet=calculate_document(cheaper),
                                  deliveries=deliveries, direction=Direction.UPWARD_ONLY)
    assert older.total == D("0.00")
    assert older.lines[0].difference == D("-2410.00")
    assert older.lines[0].formula.endswith("(upward only)")


def test_after_calculation_compares_private_providers_on_their_adjusted_price():
    adjust = [{"rule": "vat", "percent": 25}]
    set_sheet = calculate_document(small_model(private_adjustments=adjust))
    actual = small_model(private_adjustments=adjust)
    actual["pools"][0]["amount"] = 660000
    result = rules.after_calculate(
        set_sheet=set_sheet, actual_sheet=calculate_document(actual),
        deliveries=[Delivery("P", True, "practical_help", "day", D(10))], direction=Direction.BOTH_WAYS,
    )
    assert (result.lines[0].set_price, result.lines[0].actual_price, result.total) == (D("400.00"), D("437.50"),
                                                                                      D("375.00"))


def test_after_calculation_refuses_an_unpriced_service():
    sheet = calculate_document(small_model())
    with pytest.raises(CostModelError) as raised:
        rules.after_calculate(set_sheet=sheet, actual_sheet=sheet,
                              deliveries=[Delivery("P", True, "meals", "day", D(1))], direction=Direction.BOTH_WAYS)
    assert codes(raised.value) == {("deliveries.0", "unknown_cell")}


# --- properties ---------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=50_000_000)
hours = st.integers(min_value=1, max_value=200_000)
btps = st.integers(min_value=1, max_value=100)


def generated(wages, rent, it, share, paid_a, paid_b, btp):
    return {
        "municipality": "M", "year": 2025, "currency": "DKK", "btp_percent": btp,
        "cells": [
            {"service": "a", "time_band": "day", "paid_hours": paid_a},
            {"service": "b", "time_band": "day", "paid_hours": paid_b},
        ],
        "keys": {
            "hours": {"by": "delivered_hours"},
            "split": {"by": "shares", "shares": [{"service": "a", "time_band": "day", "percent": share},
                                                 {"service": "b", "time_band": "day", "percent": 100 - share}]},
        },
        "pools": [
            {"id": "wages", "kind": "direct_wages", "staff_group": "g", "amount": wages, "key": "split"},
            {"id": "rent", "kind": "rent", "amount": rent, "key": "split"},
            {"id": "it", "kind": "it", "amount": it, "key": "hours"},
        ],
    }


def prices(document):
    sheet = calculate_document(document)
    return [line.in_house_price for line in sheet.lines]


@settings(max_examples=60, deadline=None)
@given(amounts, amounts, amounts, st.integers(0, 100), hours, hours, btps, st.integers(2, 20))
def test_scaling_every_cost_scales_every_price(wages, rent, it, share, paid_a, paid_b, btp, factor):
    base = generated(wages, rent, it, share, paid_a, paid_b, btp)
    scaled = generated(wages * factor, rent * factor, it * factor, share, paid_a, paid_b, btp)
    for one, many in zip(calculate_document(base).lines, calculate_document(scaled).lines, strict=True):
        # Only rounding differs: each of the 3 allocations is rounded to 0.01 (off by ≤ 0.005 before
        # ÷ delivered hours), then the price (≤ 0.005); scaling multiplies the first price's error.
        delivered = one.steps[1].result
        per_price = D("0.005") * 3 / delivered + D("0.005")
        assert abs(many.in_house_price - one.in_house_price * factor) <= per_price * (factor + 1)


@settings(max_examples=60, deadline=None)
@given(amounts, amounts, amounts, st.integers(0, 100), hours, hours, btps, st.data())
def test_moving_cost_between_pools_with_the_same_key_changes_no_price(wages, rent, it, share, paid_a, paid_b, btp,
                                                                      data):
    moved = data.draw(st.integers(min_value=0, max_value=wages))
    before = generated(wages, rent, it, share, paid_a, paid_b, btp)
    after = generated(wages - moved, rent + moved, it, share, paid_a, paid_b, btp)
    assert prices(before) == prices(after)


@settings(max_examples=60, deadline=None)
@given(amounts, amounts, amounts, st.integers(0, 100), hours, hours, btps, amounts, st.integers(0, 100))
def test_authority_costs_never_change_a_price(wages, rent, it, share, paid_a, paid_b, btp, authority, part):
    before = generated(wages, rent, it, share, paid_a, paid_b, btp)
    after = deepcopy(before)
    after["pools"].append({"id": "assessment", "kind": "authority", "amount": authority, "key": "hours"})
    hidden = rent * part // 100
    after["pools"][1]["amount"] = rent + authority  # the director's office entered into a delivery pool …
    after["pools"][1]["authority_amount"] = authority  # … and flagged
    after["pools"][2]["amount"] = it + hidden
    after["pools"][2]["authority_amount"] = hidden
    assert prices(before) == prices(after)
    assert {w.code for w in calculate_document(after).warnings} >= {"authority_excluded"}


@settings(max_examples=60, deadline=None)
@given(amounts, amounts, amounts, st.integers(0, 100), hours, hours, btps)
def test_price_times_delivered_hours_gives_back_the_allocated_cost(wages, rent, it, share, paid_a, paid_b, btp):
    for line in calculate_document(generated(wages, rent, it, share, paid_a, paid_b, btp)).lines:
        steps = {step.label: step.result for step in line.steps}
        delivered = steps["Delivered hours = paid hours × user-time share (BTP)"]
        assert abs(line.in_house_price * delivered - steps["Allocated cost"]) <= D("0.005") * delivered


@settings(max_examples=60, deadline=None)
@given(amounts, amounts, amounts, st.integers(0, 100), hours, hours, btps, amounts,
       st.lists(st.integers(0, 10_000), min_size=1, max_size=4), st.sampled_from(list(Direction)))
def test_after_calculation_settles_the_difference_or_nothing(wages, rent, it, share, paid_a, paid_b, btp, actual_it,
                                                             delivered, direction):
    set_sheet = calculate_document(generated(wages, rent, it, share, paid_a, paid_b, btp))
    actual_sheet = calculate_document(generated(wages, rent, actual_it, share, paid_a, paid_b, btp))
    deliveries = [Delivery(f"P{i}", i % 2 == 0, "a" if i % 2 else "b", "day", D(h)) for i, h in enumerate(delivered)]
    same = rules.after_calculate(set_sheet=set_sheet, actual_sheet=set_sheet, deliveries=deliveries,
                                 direction=direction)
    assert same.total == 0
    result = rules.after_calculate(set_sheet=set_sheet, actual_sheet=actual_sheet, deliveries=deliveries,
                                   direction=direction)
    for line in result.lines:
        assert line.difference == ((line.actual_price - line.set_price) * line.hours).quantize(D("0.01"))
        expected = line.difference if direction == Direction.BOTH_WAYS else max(line.difference, D("0.00"))
        assert line.settled == expected


@settings(max_examples=60, deadline=None)
@given(amounts, hours, btps, st.decimals(min_value=0, max_value=50, places=2),
       st.decimals(min_value=1, max_value=2, places=3))
def test_private_adjustments_never_lower_the_price(rent, paid, btp, percent, factor):
    document = generated(0, rent, 0, 50, paid, paid, btp)
    document["private_adjustments"] = [{"rule": "overhead", "percent": str(percent)},
                                       {"rule": "vat", "percent": "25"},
                                       {"rule": "vat_compensation", "factor": str(factor)}]
    for line in calculate_document(document).lines:
        assert line.private_price >= line.in_house_price


# --- the Swedish variant: in-house − 1.5 % overhead, private + 1.5 % VAT compensation ----------


def swedish_model(**changes):
    """The worked example of docs/pricing.md ("Worked example 3")."""
    document = {
        "municipality": "Exempelstad kommun", "year": 2025, "currency": "SEK", "btp_percent": 60,
        "cells": [{"service": "home_care", "time_band": "day", "paid_hours": 40000, "source": "Time system 2025"}],
        "keys": {"hours": {"by": "delivered_hours"}},
        "pools": [
            {"id": "wages", "kind": "direct_wages", "staff_group": "care staff", "amount": 12000000, "key": "hours",
             "label": "Wages, home care", "source": "Accounts 2025, 5110"},
            {"id": "fees", "kind": "payroll_tax", "rate_percent": "31.42", "base": ["wages"], "key": "hours",
             "label": "Employer's social fees", "source": "SKR PO rate 2025"},
            {"id": "admin", "kind": "administration", "amount": 1450000, "key": "hours", "label": "Administration",
             "source": "Accounts 2025, 5400"},
        ],
        "in_house_adjustments": [{"rule": "in_house_reduction", "label": "In-house overhead not borne by providers",
                                  "percent": "1.5", "source": "Council decision 2024-11-20 § 88"}],
        "private_adjustments": [{"rule": "vat_compensation", "label": "VAT compensation", "percent": "1.5",
                                 "source": "Council decision 2024-11-20 § 88"}],
    }
    document.update(changes)
    return document


def test_swedish_in_house_reduction_and_vat_compensation_reproduce_by_hand():
    line = calculate_document(swedish_model()).line("home_care", "day")
    cost, reduction = line.steps[-2], line.steps[-1]
    # 40 000 paid hours × 60 % = 24 000.00 delivered; fees 12 000 000 × 31.42 % = 3 770 400.00;
    # 12 000 000 + 3 770 400 + 1 450 000 = 17 220 400.00; ÷ 24 000 = 717.5166… → 717.52.
    assert cost.label == "In-house cost per delivered hour = allocated cost ÷ delivered hours"
    assert (cost.formula, cost.result) == ("17220400.00 ÷ 24000.00", D("717.52"))
    # 717.52 × 98.5 % = 706.7572 → 706.76: the published in-house price.
    assert (reduction.label, reduction.formula, reduction.result) == (
        "In-house overhead not borne by providers", "717.52 × (100 % − 1.5 %)", D("706.76"))
    assert reduction.source == "Council decision 2024-11-20 § 88" and reduction.rounding == rules.ROUNDING
    assert [(i.name, i.value, i.unit) for i in reduction.inputs] == [
        ("in-house cost", D("717.52"), "SEK/hour"), ("in-house reduction", D("1.5"), "%")]
    assert line.in_house_price == D("706.76")
    # The private price from the reduced one: 706.76 × 101.5 % = 717.3614 → 717.36.
    (compensation,) = line.private_steps
    assert (compensation.formula, compensation.result) == ("706.76 × (100 % + 1.5 %)", D("717.36"))
    assert [(i.name, i.value) for i in compensation.inputs] == [("price", D("706.76")), ("VAT compensation", D("1.5"))]
    assert line.private_price == D("717.36")


def test_the_in_house_reduction_applies_to_a_markup_chain_too():
    document = {
        "municipality": "M", "year": 2025, "currency": "SEK",
        "markup_chains": [{"service": "s", "time_band": "day", "wage": {"amount": 300}, "btp_percent": 60,
                           "steps": [{"id": "fees", "percent": "31.42"}]}],
        "in_house_adjustments": [{"rule": "in_house_reduction", "percent": 2}],
    }
    line = calculate_document(document).line("s", "day")
    # 300 + 300 × 31.42 % (94.26) = 394.26; ÷ 60 % = 657.10; × 98 % = 643.958 → 643.96.
    assert [s.result for s in line.steps[-2:]] == [D("657.10"), D("643.96")]
    assert line.in_house_price == D("643.96") and line.private_price is None


def test_without_in_house_adjustments_the_price_step_keeps_its_name():
    line = calculate_document(swedish_model(in_house_adjustments=[])).line("home_care", "day")
    assert line.steps[-1].label == "In-house price per delivered hour = allocated cost ÷ delivered hours"
    assert line.in_house_price == D("717.52")
    assert line.private_price == D("728.28")  # 717.52 × 101.5 % = 728.2828


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"in_house_adjustments": [{"rule": "vat", "percent": 25}]}, ("in_house_adjustments.0.rule", "private_only")),
        ({"in_house_adjustments": [{"rule": "cheaper", "percent": 1}]}, ("in_house_adjustments.0.rule", "choice")),
        ({"in_house_adjustments": [{"rule": "in_house_reduction"}]}, ("in_house_adjustments.0.percent", "required")),
        ({"in_house_adjustments": [{"rule": "in_house_reduction", "percent": -1}]},
         ("in_house_adjustments.0.percent", "negative")),
        ({"in_house_adjustments": [{"rule": "in_house_reduction", "percent": 100}]},
         ("in_house_adjustments.0.percent", "too_large")),
        ({"in_house_adjustments": {"rule": "in_house_reduction"}}, ("in_house_adjustments", "type")),
        ({"private_adjustments": [{"rule": "in_house_reduction", "percent": 1.5}]},
         ("private_adjustments.0.rule", "in_house_only")),
        ({"private_adjustments": [{"rule": "vat_compensation", "percent": 1.5, "factor": 1.015}]},
         ("private_adjustments.0", "amount")),
        ({"private_adjustments": [{"rule": "vat_compensation"}]}, ("private_adjustments.0.factor", "required")),
    ],
)
def test_bad_swedish_adjustments_are_refused_with_a_specific_message(change, expected):
    with pytest.raises(CostModelError) as raised:
        calculate_document(swedish_model(**change))
    assert expected in codes(raised.value)


def test_bad_swedish_adjustment_messages_name_the_right_list():
    with pytest.raises(CostModelError) as raised:
        calculate_document(swedish_model(private_adjustments=[{"rule": "in_house_reduction", "percent": 1.5}],
                                         in_house_adjustments=[{"rule": "overhead", "percent": 5}]))
    messages = {issue.path: issue.message for issue in raised.value.errors}
    assert messages == {
        "private_adjustments.0.rule": "in_house_reduction lowers the in-house price itself: list it under "
                                      "in_house_adjustments",
        "in_house_adjustments.0.rule": "overhead gives a private provider's price: list it under private_adjustments",
    }


def test_implausible_swedish_adjustments_are_warnings_not_errors():
    sheet = calculate_document(swedish_model(
        in_house_adjustments=[{"rule": "in_house_reduction", "percent": 15}],
        private_adjustments=[{"rule": "vat_compensation", "factor": "1.25"},
                             {"rule": "vat_compensation", "factor": "0.9"},
                             {"rule": "vat_compensation", "percent": "6"}],
    ))
    assert [(w.path, w.code) for w in sheet.warnings] == [
        ("in_house_adjustments.0.percent", "reduction_high"),
        ("private_adjustments.0.factor", "compensation_high"),
        ("private_adjustments.1.factor", "compensation_negative"),
    ]
    assert sheet.line("home_care", "day").in_house_price == D("609.89")  # 717.52 × 85 % = 609.892


@settings(max_examples=60, deadline=None)
@given(amounts, hours, btps, st.decimals(min_value=0, max_value=99, places=2))
def test_the_in_house_reduction_never_raises_the_price(rent, paid, btp, percent):
    document = generated(0, rent, 0, 50, paid, paid, btp)
    cost = prices(document)
    document["in_house_adjustments"] = [{"rule": "in_house_reduction", "percent": str(percent)}]
    reduced = prices(document)
    assert all(after <= before for before, after in zip(cost, reduced, strict=True))
    assert all(after >= 0 for after in reduced)


@settings(max_examples=60, deadline=None)
@given(amounts, amounts, hours, hours, btps, st.decimals(min_value=0, max_value=6, places=2))
def test_zero_percent_is_the_identity_and_compensation_follows_the_reduced_price(rent, it, paid_a, paid_b, btp,
                                                                                 percent):
    document = generated(0, rent, it, 50, paid_a, paid_b, btp)
    document["private_adjustments"] = [{"rule": "vat_compensation", "percent": str(percent)}]
    plain = calculate_document(document)
    document["in_house_adjustments"] = [{"rule": "in_house_reduction", "percent": "0"}]
    document["private_adjustments"] = [{"rule": "vat_compensation", "percent": "0"}]
    for before, after in zip(plain.lines, calculate_document(document).lines, strict=True):
        assert after.in_house_price == after.private_price == before.in_house_price
        compensated = before.in_house_price * (100 + percent) / 100
        assert before.private_price == compensated.quantize(D("0.01"), ROUND_HALF_UP)
        assert before.private_price >= before.in_house_price


def test_the_documented_swedish_example_is_the_one_tested():
    text = (DOCS.parent / "pricing.md").read_text(encoding="utf-8")
    section = text.split("## Worked example 3", 1)[1]
    document = yaml.safe_load(section.split("```yaml", 1)[1].split("```", 1)[0])
    assert document == swedish_model()
    assert "| **706.76** (published in-house price) |" in section
    assert "| **717.36** (private provider's price) |" in section
