import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from frivalg.pricing.tests.examples import DK_EXAMPLE, NO_EXAMPLE


def run(*args, language="en"):
    out = StringIO()
    call_command("prices", "calculate", *args, "--language", language, stdout=out)
    return out.getvalue()


def test_the_documented_danish_example_calculates_as_json():
    data = json.loads(run(str(DK_EXAMPLE), "--format", "json"))
    prices = {(line["service"], line["time_band"]): (line["in_house_price"], line["private_price"])
              for line in data["lines"]}
    assert prices == {
        ("practical_help", "day"): ("614.75", "806.86"),
        ("personal_care", "day"): ("595.66", "781.80"),
        ("personal_care", "evening"): ("650.21", "853.40"),
    }
    assert [w["code"] for w in data["warnings"]] == ["authority_in_pool", "authority_excluded"]
    step = data["lines"][0]["steps"][-1]
    assert step == {
        "label": "In-house price per delivered hour = allocated cost ÷ delivered hours",
        "label_template": "In-house price per delivered hour = allocated cost ÷ delivered hours",
        "label_params": {},
        "inputs": [{"name": "allocated cost", "name_template": "allocated cost", "name_params": {},
                    "value": "6762300.00", "unit": "DKK"},
                   {"name": "delivered hours", "name_template": "delivered hours", "name_params": {},
                    "value": "11000.00", "unit": "hours"}],
        "formula": "6762300.00 ÷ 11000.00",
        "result": "614.75",
        "unit": "DKK/hour",
        "source": "the lines above",
        "rounding": "ROUND_HALF_UP to 0.01",
    }


def test_text_output_shows_every_step_and_the_warnings():
    text = run(str(NO_EXAMPLE))
    assert "practical_help           day          in-house     593.86" in text
    assert "4. Employer's tax: (250.00 + 30.00 + 36.40) × 14.1 % = 44.61 NOK per paid hour" in text
    assert "Inputs: cost per paid hour = 386.01 NOK per paid hour; BTP = 65 %" in text
    assert "WARNING" not in text
    assert "WARNING pools.15: “Needs assessment (authority)” is an authority cost" in run(str(DK_EXAMPLE))


def test_html_output_is_a_whole_document_with_the_steps():
    html = run(str(DK_EXAMPLE), "--format", "html")
    assert html.startswith("<!DOCTYPE html>")
    assert "6762300.00 ÷ 11000.00" in html
    assert "Accounts 2025, 5.32.32, account 1.10" in html


def test_a_json_model_file_is_read_too(tmp_path):
    model = tmp_path / "model.json"
    model.write_text(json.dumps({
        "municipality": "M", "year": 2025, "currency": "NOK",
        "markup_chains": [{"service": "s", "time_band": "day", "wage": {"amount": "200.00"}, "steps": []}],
    }))
    assert json.loads(run(str(model), "--format", "json"))["lines"][0]["in_house_price"] == "200.00"


def test_bad_input_is_refused_with_each_path(tmp_path):
    model = tmp_path / "model.yaml"
    model.write_text("municipality: M\nyear: 2025\ncurrency: DKK\ncells:\n"
                     "  - {service: s, time_band: day, paid_hours: -1, btp_percent: 50}\n")
    with pytest.raises(CommandError) as raised:
        run(str(model))
    assert "cells.0.paid_hours: must not be negative (got -1)" in str(raised.value)


def test_a_missing_or_broken_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nowhere.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("pools: [")
    with pytest.raises(CommandError, match="not valid YAML/JSON"):
        run(str(broken))


def test_pdf_is_written_to_a_file(tmp_path):
    target = tmp_path / "sheet.pdf"
    call_command("prices", "calculate", str(NO_EXAMPLE), "--format", "pdf", "--output", str(target),
                 stdout=StringIO(), stderr=StringIO())
    assert target.read_bytes().startswith(b"%PDF-")


def test_pdf_needs_an_output_file():
    with pytest.raises(CommandError, match="--output"):
        run(str(DK_EXAMPLE), "--format", "pdf")


def test_any_format_can_go_to_a_file(tmp_path):
    target = tmp_path / "sheet.json"
    call_command("prices", "calculate", str(NO_EXAMPLE), "--format", "json", "--output", str(target),
                 stdout=StringIO(), stderr=StringIO())
    assert json.loads(target.read_text(encoding="utf-8"))["lines"][0]["in_house_price"] == "593.86"


def test_text_output_and_messages_follow_the_language_option(tmp_path):
    text = run(str(NO_EXAMPLE), language="da")
    # The rules' own labels, units, rounding and sources are translated; labels from the model are not.
    assert "6. Omkostning pr. betalt time: 250.00 + 30.00 + 36.40 + 44.61 + 25.00 = 386.01 NOK pr. betalt time" in text
    assert "(linjerne ovenfor)" in text
    assert "4. Employer's tax:" in text
    english = run(str(NO_EXAMPLE), language="en")
    assert "6. Cost per paid hour:" in english and "(the lines above)" in english
    model = tmp_path / "model.yaml"
    model.write_text("municipality: M\nyear: 2025\ncurrency: DKK\ncells:\n"
                     "  - {service: s, time_band: day, paid_hours: -1, btp_percent: 50}\n")
    with pytest.raises(CommandError) as raised:
        run(str(model), language="da")
    assert "cells.0.paid_hours: må ikke være negativ (fik -1)" in str(raised.value)


def test_the_language_defaults_to_the_setting(settings):
    settings.LANGUAGE_CODE = "da"
    out = StringIO()
    call_command("prices", "calculate", str(NO_EXAMPLE), stdout=out)
    assert "Omkostning pr. betalt time" in out.getvalue()
    settings.LANGUAGE_CODE = "en"
    out = StringIO()
    call_command("prices", "calculate", str(NO_EXAMPLE), stdout=out)
    assert "Cost per paid hour" in out.getvalue()


def test_swedish_and_norwegian_are_accepted_languages():
    # No catalogues for sv and nb yet: Django falls back to the LANGUAGE_CODE catalogue until they exist.
    for language in ("sv", "nb"):
        assert "practical_help           day" in run(str(NO_EXAMPLE), language=language)
    assert '<html lang="sv"' in run(str(NO_EXAMPLE), "--format", "html", language="sv")
    with pytest.raises(CommandError):
        run(str(NO_EXAMPLE), language="fi")


def test_input_names_of_the_rules_are_translated_and_model_names_kept():
    text = run(str(DK_EXAMPLE), language="da")
    assert "wages = 20000000.00 DKK" in text  # a pool id from the model, as written
    english = run(str(DK_EXAMPLE), language="en")
    assert "delivered hours here = 11000.00 hours" in english
