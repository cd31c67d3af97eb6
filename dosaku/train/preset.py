"""TOML presets into typed config dataclasses: the one loader of every training config
(``ZeroConfig``, the AlphaGo pipeline's configs), so that a misspelt key or a value of the
wrong type is refused, naming the field, before a run folder is written — not found as a
``TypeError`` deep in self-play after the folder exists."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any, TypeVar

Config = TypeVar("Config")

SCALARS = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}
"""Field annotation -> the TOML value types it takes (an int is a valid float)."""


def load_preset(kind: type[Config], path: str | Path | None = None,
                **overrides: Any) -> Config:
    """``kind`` from a TOML preset (flat keys) plus overrides (None values ignored);
    ValueError naming an unknown key or a value of the wrong type."""
    values: dict[str, Any] = {}
    if path is not None:
        with open(path, "rb") as f:
            values.update(tomllib.load(f))
    values.update({k: v for k, v in overrides.items() if v is not None})
    where = f" in {path}" if path else ""
    types = {f.name: f.type for f in dataclasses.fields(kind)}
    unknown = sorted(set(values) - set(types))
    if unknown:
        raise ValueError(f"unknown {kind.__name__} field(s) {', '.join(unknown)}{where}")
    for name, value in values.items():
        values[name] = typed(types[name], value,
                             f"{kind.__name__} field {name} = {value!r}{where}")
    return kind(**values)


def typed(annotation: str, value: Any, what: str) -> Any:
    """``value`` if it fits the field's ``annotation`` (a list for a tuple field becomes a
    tuple), else ValueError starting with ``what``."""
    if annotation == "tuple[str, ...]":
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ValueError(f"{what}: expected a list of strings")
    accepted = SCALARS.get(annotation)
    if accepted is None:
        return value
    if isinstance(value, bool) and bool not in accepted or not isinstance(value, accepted):
        raise ValueError(f"{what}: expected {annotation}")
    return value
