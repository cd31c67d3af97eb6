"""Rulesets: how a game is scored, which repetitions are forbidden, whether suicide is allowed.

Each ruleset is a frozen dataclass; the named presets are the ones GTP's ``kata-set-rules``
accepts. The differences that matter to the engine:

- ``chinese``: area scoring (stones + surrounded empty points), dead stones removed by
  agreement; positional superko; suicide illegal.
- ``tromp-taylor``: area scoring of the board exactly as it stands (nothing is dead unless
  captured); positional superko; suicide legal, so a chain may remove itself, but a lone-stone
  suicide recreates the position and is illegal by superko.
- ``japanese``: territory scoring (surrounded empty points + prisoners, dead stones become
  prisoners, no points in seki); simple ko only; suicide illegal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Ruleset:
    name: str = "chinese"
    """Preset name, as GTP's kata-get-rules reports it."""
    scoring: Literal["area", "territory"] = "area"
    """area: stones + territory; territory: territory + prisoners (Japanese)."""
    ko: Literal["simple", "positional", "situational"] = "positional"
    """simple: no immediate recapture; positional: no board position may repeat;
    situational: no position may repeat with the same player to move."""
    suicide: bool = False
    """Whether a move that leaves its own chain without liberties (removing it) is legal."""
    as_it_stands: bool = False
    """Score the final board exactly as it stands, no dead-stone removal (Tromp-Taylor)."""

    @property
    def superko(self) -> bool:
        return self.ko != "simple"


CHINESE = Ruleset("chinese", "area", "positional", False, False)
TROMP_TAYLOR = Ruleset("tromp-taylor", "area", "positional", True, True)
JAPANESE = Ruleset("japanese", "territory", "simple", False, False)

RULESETS: dict[str, Ruleset] = {r.name: r for r in (CHINESE, TROMP_TAYLOR, JAPANESE)}
ALIASES = {"tromp_taylor": "tromp-taylor", "tt": "tromp-taylor", "korean": "japanese",
           "cn": "chinese", "jp": "japanese", "area": "chinese", "territory": "japanese"}


def ruleset_named(name: str) -> Ruleset:
    """The preset called ``name`` (case-insensitive); ValueError listing the known names."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in RULESETS:
        raise ValueError(f"unknown rules {name!r}; known: {', '.join(RULESETS)}")
    return RULESETS[key]
