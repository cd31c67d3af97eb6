"""One compiled copy of the rules' ``place_stone`` for the feature kernels.

:func:`dosaku.rules.board.place_stone` is declared ``inline="always"`` so the rules' own hot
loops (playouts) pay no call. Called from the five feature kernels that play moves (ladder
reading, history replay, rollouts) it would be copied into each, and numba's compile time
grows with every copy (measured: a cold ``alphago48`` compile took 46 s). Calling it through
:func:`play_stone` compiles it once; the call costs a few nanoseconds next to the
board copies and pattern work around it.
"""

from __future__ import annotations

from numba import njit

from ..rules.board import place_stone


@njit(cache=True)
def play_stone(stones, chain, ckey, nbr, zkeys, p, color, out):
    """:func:`dosaku.rules.board.place_stone`, not inlined: ``(n_captured, n_self_removed,
    hash_delta, ko_point)``; removed points are written to ``out``."""
    return place_stone(stones, chain, ckey, nbr, zkeys, p, color, out)
