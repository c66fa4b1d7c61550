"""Price sheets from a cost model kept in a file:
`frivalg prices calculate MODEL.yaml [--format text|json|html|pdf] [--output FILE]`. Reads YAML or JSON, prints the
sheet with every step, warnings included; refuses bad input with each problem's path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frivalg.pricing import rules
from frivalg.pricing.documents import DocumentError, load_document
from frivalg.pricing.printing import sheet_html, sheet_pdf

FORMATS = ("text", "json", "html", "pdf")


def as_text(data: dict[str, Any]) -> str:
    out = [f"Price sheet {data['year']}, {data['municipality']} ({data['currency']})", ""]
    for warning in data["warnings"]:
        out.append(f"WARNING {warning['path']}: {warning['message']}")
    if data["warnings"]:
        out.append("")
    for line in data["lines"]:
        private = f"  private {line['private_price']}" if line["private_price"] is not None else ""
        out.append(f"{line['service']:<24} {line['time_band']:<12} in-house {line['in_house_price']:>10}{private}")
    if data["pool_steps"]:
        out += ["", "Cost pools"]
        out += _steps(data["pool_steps"])
    for line in data["lines"]:
        out += ["", f"{line['service']} / {line['time_band']}"]
        out += _steps(line["steps"] + line["private_steps"])
    return "\n".join(out) + "\n"


def _steps(steps: list[dict[str, Any]]) -> list[str]:
    return [
        f"  {i}. {step['label']}: {step['formula']} = {step['result']} {step['unit']}"
        f" [{step['rounding']}] ({step['source'] or 'no source given'})"
        for i, step in enumerate(steps, start=1)
    ]


class Command(BaseCommand):
    help = "Calculate a price sheet from a cost model file (YAML or JSON); see docs/pricing.md."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        calculate = sub.add_parser("calculate", help="Calculate and print the price sheet of a cost model file.")
        calculate.add_argument("model", type=Path, help="The cost model file (.yaml, .yml or .json).")
        calculate.add_argument("--format", choices=FORMATS, default="text", help="Output format (default: text).")
        calculate.add_argument("--output", type=Path, help="Write to this file instead of standard output "
                                                           "(required for pdf).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["model"]
        try:
            document = load_document(path.read_text(encoding="utf-8"), path.name)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        except DocumentError as error:
            raise CommandError(f"{path} is not valid YAML/JSON: {error}") from error
        try:
            sheet = rules.calculate_document(document)
        except rules.CostModelError as error:
            problems = "\n".join(f"  {issue.path}: {issue.message}" for issue in error.errors)
            raise CommandError(f"{path} cannot be calculated:\n{problems}") from error
        data = rules.sheet_to_dict(sheet)
        output: Path | None = options["output"]
        if options["format"] == "pdf":
            if output is None:
                raise CommandError("--format pdf needs --output FILE.")
            output.write_bytes(sheet_pdf(data))
            self.stderr.write(f"Wrote {output}")
            return
        if options["format"] == "json":
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        elif options["format"] == "html":
            text = sheet_html(data)
        else:
            text = as_text(data)
        if output is not None:
            output.write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text, ending="")
