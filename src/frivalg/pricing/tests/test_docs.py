"""docs/pricing.md shows the numbers the code computes for the example files."""

from frivalg.pricing.rules import calculate_document
from frivalg.pricing.tests.examples import DK_EXAMPLE, EXAMPLES, NO_EXAMPLE, load

DOCS = (EXAMPLES.parent / "pricing.md").read_text(encoding="utf-8")


def grouped(value):
    """614.75 → "614.75"; 6762300.00 → "6 762 300.00", as the docs write numbers."""
    whole, _, cents = f"{value:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", " ") + "." + cents


def test_the_documented_examples_are_the_files():
    assert f"examples/{DK_EXAMPLE.name}" in DOCS
    assert f"examples/{NO_EXAMPLE.name}" in DOCS


def test_the_danish_table_has_the_calculated_numbers():
    for line in calculate_document(load(DK_EXAMPLE)).lines:
        allocated = next(step.result for step in line.steps if step.label == "Allocated cost")
        row = (f"| {line.service} | {line.time_band} |", grouped(allocated), f"**{grouped(line.in_house_price)}**",
               grouped(line.private_steps[0].result), f"**{grouped(line.private_price)}**")
        table_row = next(r for r in DOCS.splitlines() if r.startswith(row[0]))
        assert all(part in table_row for part in row[1:]), (table_row, row)


def test_the_norwegian_table_has_the_calculated_numbers():
    line = calculate_document(load(NO_EXAMPLE)).lines[0]
    for step in line.steps:
        assert f"| {step.result} |" in DOCS or f"| **{step.result}** |" in DOCS, step
