"""Cost model files: YAML or JSON text into the plain document that pricing.rules reads."""

from __future__ import annotations

import json
from typing import Any

import yaml


class DocumentError(ValueError):
    """The text is not valid YAML or JSON."""


def load_document(text: str, name: str = "") -> Any:
    """Parse `text` as JSON when the name ends in .json, as YAML otherwise (JSON is YAML too, but
    its own parser gives clearer messages)."""
    try:
        if name.lower().endswith(".json"):
            return json.loads(text)
        return yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        raise DocumentError(str(error)) from error
