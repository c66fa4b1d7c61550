"""Price sheets from a cost model kept in a file:
`frivalg prices calculate MODEL.yaml [--format text|json|html|pdf] [--output FILE] [--language da|en|sv|nb]`.
Reads YAML or JSON, prints the sheet with every step, warnings included; refuses bad input with each
problem's path. The text, HTML and PDF formats and the messages are in `--language` (default: the
LANGUAGE_CODE setting); the JSON stays English, with each label's template and parameters alongside."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from frivalg.pricing import rules
from frivalg.pricing.documents import DocumentError, load_document
from frivalg.pricing.messages import issue_message, step_label, step_text
from frivalg.pricing.printing import sheet_html, sheet_pdf

FORMATS = ("text", "json", "html", "pdf")
LANGUAGES = ("da", "en", "sv", "nb")


def input_name(step_input: Mapping[str, Any]) -> str:
    """A step input's name in the current language (a name from the model, e.g. a pool's id, stays
    as written; a sheet stored before names had templates shows its English name)."""
    template = step_input.get("name_template")
    if not template:
        return str(step_input.get("name", ""))
    return _(template) % dict(step_input.get("name_params") or {})


def as_text(data: dict[str, Any]) -> str:
    """The sheet as plain text in the current language: prices first, then every step."""
    out = [_("Price sheet %(year)s, %(municipality)s (%(currency)s)") % {
        "year": data["year"], "municipality": data["municipality"], "currency": data["currency"]}, ""]
    for warning in data["warnings"]:
        out.append(_("WARNING %(path)s: %(message)s") % {"path": warning["path"], "message": issue_message(warning)})
    if data["warnings"]:
        out.append("")
    in_house, private = _("in-house"), _("private")
    for line in data["lines"]:
        price = f"  {private} {line['private_price']}" if line["private_price"] is not None else ""
        out.append(f"{line['service']:<24} {line['time_band']:<12} {in_house} {line['in_house_price']:>10}{price}")
    if data["pool_steps"]:
        out += ["", _("Cost pools")]
        out += _steps(data["pool_steps"])
    for line in data["lines"]:
        out += ["", f"{line['service']} / {line['time_band']}"]
        out += _steps(line["steps"] + line["private_steps"])
    return "\n".join(out) + "\n"


def _steps(steps: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for i, step in enumerate(steps, start=1):
        out.append(f"  {i}. {step_label(step)}: {step['formula']} = {step['result']} {step_text(step['unit'])}"
                   f" [{step_text(step['rounding'])}] ({step_text(step['source']) or _('no source given')})")
        inputs = "; ".join(f"{input_name(i)} = {i['value']} {step_text(i['unit'])}" for i in step["inputs"])
        out.append(f"     {_('Inputs')}: {inputs}")
    return out


class Command(BaseCommand):
    help = "Calculate a price sheet from a cost model file (YAML or JSON); see docs/pricing.md."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        calculate = sub.add_parser("calculate", help="Calculate and print the price sheet of a cost model file.")
        calculate.add_argument("model", type=Path, help="The cost model file (.yaml, .yml or .json).")
        calculate.add_argument("--format", choices=FORMATS, default="text", help="Output format (default: text).")
        calculate.add_argument("--output", type=Path, help="Write to this file instead of standard output "
                                                           "(required for pdf).")
        calculate.add_argument("--language", choices=LANGUAGES, default=None,
                               help="Language of the text, HTML and PDF output and of the messages "
                                    "(default: the LANGUAGE_CODE setting).")

    def handle(self, *args: Any, **options: Any) -> None:
        language = options.get("language") or settings.LANGUAGE_CODE
        with translation.override(language):
            self._calculate(options)

    def _calculate(self, options: dict[str, Any]) -> None:
        path: Path = options["model"]
        try:
            document = load_document(path.read_text(encoding="utf-8"), path.name)
        except OSError as error:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {
                "path": path, "error": error.strerror or error}) from error
        except DocumentError as error:
            raise CommandError(_("%(path)s is not valid YAML/JSON: %(error)s") % {
                "path": path, "error": error}) from error
        try:
            sheet = rules.calculate_document(document)
        except rules.CostModelError as error:
            problems = "\n".join(f"  {issue.path}: {issue_message(issue)}" for issue in error.errors)
            raise CommandError(_("%(path)s cannot be calculated:\n%(problems)s") % {
                "path": path, "problems": problems}) from error
        data = rules.sheet_to_dict(sheet)
        output: Path | None = options["output"]
        if options["format"] == "pdf":
            if output is None:
                raise CommandError(_("--format pdf needs --output FILE."))
            output.write_bytes(sheet_pdf(data))
            self.stderr.write(_("Wrote %(path)s") % {"path": output})
            return
        if options["format"] == "json":
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        elif options["format"] == "html":
            text = sheet_html(data)
        else:
            text = as_text(data)
        if output is not None:
            output.write_text(text, encoding="utf-8")
            self.stderr.write(_("Wrote %(path)s") % {"path": output})
        else:
            self.stdout.write(text, ending="")
