"""Regulatory limits and tariff periods the device models read, with their sources."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent


@cache
def load(name: str) -> dict[str, Any]:
    """One data file of this folder, parsed (``name`` without ``.yaml``)."""
    path = DATA_DIR / f"{name}.yaml"
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    if not isinstance(document, dict) or "source" not in document:
        raise ValueError(f"{path}: a data file must be a mapping with a 'source'")
    return document
