"""The worked example documents of docs/examples, loaded for tests."""

from pathlib import Path
from typing import Any

import yaml

EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "examples"
DK_EXAMPLE = EXAMPLES / "cost-model-dk.yaml"
NO_EXAMPLE = EXAMPLES / "cost-model-no.yaml"


def load(path: Path = DK_EXAMPLE) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
