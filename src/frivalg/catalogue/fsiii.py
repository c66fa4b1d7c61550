"""Reading KL's FSIII CodeSystem (FHIR JSON). Pure: no Django. The file is the source; codes are
never retyped. Default location: ../shared/data beside the repository, or FRIVALG_FSIII_PATH."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SOURCE = "KL, Fælles Sprog III CodeSystem (hl7dk/kl-term, fhir.kl.dk)"

#: Top-level groups of the CodeSystem that frivalg uses.
GROUP_CONDITIONS = "Kommunale pleje- og omsorgstilstande"  # J: condition areas J1–J5
GROUP_SERVICES = "Kommunale pleje- og omsorgsindsatser"  # H: services (indsatser)
GROUP_NURSING = "Kommunale sygeplejeindsatser"  # G: nursing services
GROUP_SCALE = "Funktionsevne skalering"  # B: function-ability scale 0–4, 9


@dataclass(frozen=True)
class Concept:
    code: str
    display: str
    definition: str
    parent_code: str
    group: str


def default_path() -> Path:
    configured = os.environ.get("FRIVALG_FSIII_PATH")
    if configured:
        return Path(configured)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "data" / "fsiii-codesystem.json"
        if candidate.exists():
            return candidate
        candidate = parent.parent / "shared" / "data" / "fsiii-codesystem.json"
        if candidate.exists():
            return candidate
    raise FileNotFoundError("fsiii-codesystem.json not found; set FRIVALG_FSIII_PATH")


def read(path: Path | None = None) -> tuple[str, list[Concept]]:
    """The CodeSystem's version and every concept, with its parent and top-level group."""
    document = json.loads((path or default_path()).read_text(encoding="utf-8"))
    concepts: list[Concept] = []

    def walk(nodes: list[dict[str, object]], parent: str, group: str) -> Iterator[Concept]:
        for node in nodes:
            code = str(node["code"])
            display = str(node.get("display", ""))
            yield Concept(code, display, str(node.get("definition", "")), parent, group or display)
            yield from walk(list(node.get("concept", [])), code, group or display)  # type: ignore[call-overload]

    concepts.extend(walk(document["concept"], "", ""))
    return str(document["version"]), concepts
