"""The player ``dosaku play`` and ``dosaku gtp`` use when ``--player`` is not given.

On a board size for which a trained net ships (:func:`dosaku.models.builtin_model_path`: 9x9)
it is that net's AlphaGo Zero player searching 1 s a move, as Leela Zero and KataGo play
their shipped net by default; on every other size, where no net plays, the classical MCTS
player for 1 s a move. A GTP session may change ``boardsize`` at any time, so the choice is
made per size (:class:`PlayersBySize`), not once at start.
"""

from __future__ import annotations

from collections.abc import Callable

from dosaku.agents.base import Agent
from dosaku.models import builtin_model_path

DEFAULT_PLAYER = "default"
"""The ``--player`` value that asks for :func:`default_spec` of each board size."""

NET_SPEC = "zero:time=1"
"""The default on sizes with a built-in net."""

NO_NET_SPEC = "mcts:time=1"
"""The default on the other sizes."""


def default_spec(size: int) -> str:
    """The spec the default player plays a ``size`` board with."""
    return NET_SPEC if builtin_model_path(size) is not None else NO_NET_SPEC


class PlayersBySize:
    """A board size -> its Agent, built by ``build(size)`` on first need and kept, so a
    session that goes back to a size finds its player (and the net it loaded) again.
    Every size it is asked for must be one ``build`` can play."""

    def __init__(self, build: Callable[[int], Agent]):
        self.build = build
        self.players: dict[int, Agent] = {}

    def __call__(self, size: int) -> Agent:
        if size not in self.players:
            self.players[size] = self.build(size)
        return self.players[size]
