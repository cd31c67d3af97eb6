"""The Agent protocol: anything that, shown a position, chooses a move.

An agent never changes the state it is shown; the caller (GTP engine, arena, terminal game)
plays the chosen move. Moves are flat indices as in :mod:`dosaku.rules.types`; the pass is
``size * size`` and :data:`RESIGN` means the agent gives up.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from dosaku.rules.game import GameState
from dosaku.rules.types import Move

RESIGN: Move = -1
"""The move an agent returns to resign; never a point, never the pass."""


@runtime_checkable
class Agent(Protocol):
    """A player. ``name`` is shown in GTP ``name`` answers and game records."""

    name: str

    def select_move(self, state: GameState) -> Move:
        """A legal move for ``state.to_play`` (the pass included), or RESIGN.

        Must leave ``state`` as it found it.
        """
        ...


def check_board_size(agent: Agent, size: int) -> None:
    """ValueError unless ``agent`` can play a ``size`` board: a net-based player plays only
    its networks' size (``agent.board_size``; None or absent = any size)."""
    plays = getattr(agent, "board_size", None)
    if plays is not None and size != plays:
        raise ValueError(f"{agent.name} plays {plays}x{plays} (its networks' size), "
                         f"not {size}x{size}")
