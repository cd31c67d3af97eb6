"""Feature planes: GameState -> (C, n, n) for the networks (L1: imports rules only, never torch).

- :mod:`~dosaku.features.encoder`: what an encoder is (``name``, ``planes``, ``encode``,
  ``encode_batch``).
- :mod:`~dosaku.features.agz`: ``agz17``, AlphaGo Zero's 8-position history.
- :mod:`~dosaku.features.alphago`: ``alphago48`` / ``alphago49``, AlphaGo's hand-made planes.
- :mod:`~dosaku.features.ladder`: the ladder reader behind two of them.
- :mod:`~dosaku.features.symmetry`: the 8 board symmetries for planes, policies and games.
- :mod:`~dosaku.features.history`: earlier boards and stone ages, replayed from the moves.
- :mod:`~dosaku.features.rollout` (with :mod:`~dosaku.features.rollout_patterns` and
  :mod:`~dosaku.features.rollout_playout`): AlphaGo's fast rollout policy, its sparse
  pattern features, weight file and incremental rollouts.

The registry below is the one place encoders are named: checkpoints store the name, and
``encoder_named`` turns it back into the encoder.
"""

from __future__ import annotations

from .agz import HistoryEncoder
from .alphago import AlphaGoEncoder
from .encoder import Encoder

ENCODERS: dict[str, Encoder] = {
    "agz17": HistoryEncoder("agz17", history=8),
    "alphago48": AlphaGoEncoder("alphago48", player_colour=False),
    "alphago49": AlphaGoEncoder("alphago49", player_colour=True),
}


def encoder_named(name: str) -> Encoder:
    """The registered encoder called ``name``; ValueError listing the known names."""
    try:
        return ENCODERS[name]
    except KeyError:
        raise ValueError(f"unknown feature encoder {name!r}; known: {', '.join(ENCODERS)}") \
            from None


def encoder_names() -> list[str]:
    return list(ENCODERS)


__all__ = ["ENCODERS", "AlphaGoEncoder", "Encoder", "HistoryEncoder", "encoder_named",
           "encoder_names"]
