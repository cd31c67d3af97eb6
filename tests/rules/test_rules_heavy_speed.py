"""The heavy playout compiled without numba's runtime: the same games as before, seed for
seed, and the board copy the ladder reader uses instead of slice assignments."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from dosaku.rules.game import GameState
from dosaku.rules.heavy_playout import (copy_board, default_policy, heavy_playout,
                                        new_ladder_scratch)
from dosaku.rules.patterns import pattern_table
from dosaku.rules.playout import new_rng

# (stones placed, CRC-32 of final stones + AMAF colours + AMAF depths) for seeds 0..3 from the
# empty board, Black to move, recorded from the kernel before it ran without the runtime.
RECORDED = {9: [(101, 1441759295), (101, 947449796), (107, 601631856), (96, 1571512875)],
            13: [(192, 205885465), (242, 2297904046), (208, 2230502196), (211, 3620170545)]}


@pytest.mark.parametrize("size", sorted(RECORDED))
def test_heavy_playouts_are_unchanged(size: int):
    state, n = GameState(size, 7.5), size * size
    got = []
    for seed in range(4):
        scratch = [np.empty(n, np.int32) for _ in range(3)]
        cand, buf = np.empty(4 * n + 16, np.int32), np.empty(8, np.int32)
        amaf_color, amaf_depth = np.zeros(n, np.int8), np.zeros(n, np.int32)
        stones, chain, ckey = state.stones.copy(), state.chain.copy(), state.ckey.copy()
        placed = heavy_playout(stones, chain, ckey, state.nbr, state.diag, state.zkeys,
                               pattern_table(), default_policy(), 1, -1, -1, 3 * n,
                               new_rng(seed), *scratch, cand, buf, new_ladder_scratch(size),
                               amaf_color, amaf_depth, 0)
        got.append((placed, zlib.crc32(stones.tobytes() + amaf_color.tobytes()
                                       + amaf_depth.tobytes())))
    assert got == RECORDED[size]


def test_copy_board_copies_every_array():
    state = GameState.from_diagram("""
        . X O .
        X X O .
        . O . .
        . . . X
    """)
    stones = np.zeros_like(state.stones)
    chain = np.zeros_like(state.chain)
    ckey = np.zeros_like(state.ckey)
    copy_board(state.stones, state.chain, state.ckey, stones, chain, ckey)
    assert np.array_equal(stones, state.stones) and np.array_equal(chain, state.chain)
    assert np.array_equal(ckey, state.ckey)


def test_heavy_playout_releases_the_gil():
    assert heavy_playout.targetoptions.get("nogil") is True
