"""The numba kernels of the classical search: 3×3 patterns, heavy playouts, the UCT-RAVE tree."""

from __future__ import annotations

import numpy as np

from dosaku.rules import board as kernels
from dosaku.rules.coords import from_gtp, to_gtp
from dosaku.rules.game import GameState
from dosaku.rules.heavy_playout import (CAPTURE_P, PATTERN_P, atari_moves, default_policy,
                                        heavy_move, heavy_playout, is_self_atari,
                                        ladder_attack, liberties_after, new_ladder_scratch)
from dosaku.rules.patterns import matches_pattern, neighbourhood_code, pattern_table
from dosaku.rules.playout import new_rng
from dosaku.rules.types import BLACK, WHITE
from dosaku.search.uct import (UctConfig, compact, expand_root, find_child, new_scratch,
                               new_tree, reset_tree, simulate)


def state_of(diagram: str, to_play: int = BLACK, komi: float = 0.5) -> GameState:
    return GameState.from_diagram(diagram, komi=komi, to_play=to_play)


def at(vertex: str, size: int) -> int:
    return from_gtp(vertex, size)


# -- patterns ----------------------------------------------------------------------------------

# "XO." over "..." over "?.?": the point under X is a non-cutting hane (B3 here).
HANE = """
. . . . .
. X O . .
. . . . .
. . . . .
. . . . .
"""


def test_hane_matches_in_both_colourings_and_mirrored():
    table = pattern_table()
    for diagram, point in ((HANE, "B3"),
                           (HANE.replace("X", "x").replace("O", "X").replace("x", "O"), "B3"),
                           ("\n".join(r[::-1] for r in HANE.strip().splitlines()), "D3")):
        state = state_of(diagram)
        assert matches_pattern(table, state.stones, state.nbr, state.diag, at(point, 5))


def test_empty_neighbourhood_and_edge_codes():
    table = pattern_table()
    state = GameState(5)
    assert table.shape == (65536,) and not table.flags.writeable
    assert not matches_pattern(table, state.stones, state.nbr, state.diag, at("C3", 5))
    corner = neighbourhood_code(state.stones, state.nbr, state.diag, at("A5", 5))
    assert corner == 3 | 3 << 2 | 3 << 8 | 3 << 10 | 3 << 12  # up, left, NW, NE, SW: off board


# -- tactics of the playout policy ---------------------------------------------------------------

# White D4 is in atari: its only liberty is D3, where it would have three.
IN_ATARI = """
. . . . . . .
. . . . . . .
. . . X . . .
. . X O X . .
. . . . . . .
. . . . . . .
. . . . . . .
"""


def test_capture_and_escape_moves_around_the_last_move():
    state = state_of(IN_ATARI)
    out, buf, lad = np.empty(64, np.int32), np.empty(8, np.int32), new_ladder_scratch(7)
    last = at("E4", 7)
    for color in (BLACK, WHITE):  # black captures at D3; white escapes there (three liberties)
        n = atari_moves(state.stones, state.chain, state.ckey, state.nbr, state.diag,
                        state.zkeys, last, color, out, buf, lad)
        assert set(out[:n].tolist()) == {at("D3", 7)}
    empties = np.flatnonzero(state.stones == 0).astype(np.int32)
    where = np.full(49, -1, np.int32)
    where[empties] = np.arange(len(empties))
    policy = default_policy()
    policy[CAPTURE_P], policy[PATTERN_P] = 1.0, 0.0
    for color in (BLACK, WHITE):
        move = heavy_move(state.stones, state.chain, state.ckey, state.nbr, state.diag,
                          state.zkeys, pattern_table(), policy, color, -1, last, new_rng(1),
                          empties.copy(), where.copy(), len(empties), out, buf, lad)
        assert move == at("D3", 7)


# Black A2-B2 has two liberties, A1 and B1.
TWO_LIBERTIES = """
. . . . .
. . . . .
O O O . .
X X O . .
. . O . .
"""


def test_self_atari_and_liberties_after():
    state = state_of(TWO_LIBERTIES)
    buf = np.empty(8, np.int32)
    b1, a1 = at("B1", 5), at("A1", 5)
    assert liberties_after(state.stones, state.chain, state.nbr, b1, BLACK, 3, buf) == 1
    assert is_self_atari(state.stones, state.chain, state.nbr, b1, BLACK, buf)
    assert is_self_atari(state.stones, state.chain, state.nbr, a1, BLACK, buf)
    assert not is_self_atari(state.stones, state.chain, state.nbr, a1, WHITE, buf), "lone stone"
    assert liberties_after(state.stones, state.chain, state.nbr, b1, WHITE, 3, buf) == 3


# White C6 is in atari; extending at C5 gives it two liberties, B5 and C4, and black's C4 starts
# a ladder that runs into the left edge. A white stone at B4 would break it.
LADDER = """
. . . . . . . . .
. . . . . . . . .
. . X . . . . . .
. X O X . . . . .
. . . X . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
"""


def ladder_from(diagram: str, extend: str) -> str | None:
    state = state_of(diagram)
    move = ladder_attack(state.stones, state.chain, state.ckey, state.nbr, state.zkeys,
                         at("C6", 9), at(extend, 9), new_ladder_scratch(9), 400)
    return None if move < 0 else to_gtp(int(move), 9)


def test_ladders_are_read_to_the_end():
    assert ladder_from(LADDER, "C5") == "C4"
    broken = "\n".join(LADDER.strip().splitlines()[:5] + [". O . . . . . . ."]
                       + LADDER.strip().splitlines()[6:])  # white B4
    assert ladder_from(broken, "C5") is None, "the white stone at B4 breaks the ladder"
    free = LADDER.replace(". . . X . . . . .", ". . . . . . . . .")
    assert ladder_from(free, "C5") is None, "three liberties after extending"


def test_no_escape_into_a_working_ladder():
    state = state_of(LADDER)
    out, buf, lad = np.empty(64, np.int32), np.empty(8, np.int32), new_ladder_scratch(9)
    n = atari_moves(state.stones, state.chain, state.ckey, state.nbr, state.diag, state.zkeys,
                    at("D6", 9), WHITE, out, buf, lad)
    assert n == 0, "white C6 does not run"
    n = atari_moves(state.stones, state.chain, state.ckey, state.nbr, state.diag, state.zkeys,
                    at("D6", 9), BLACK, out, buf, lad)
    assert out[:n].tolist() == [at("C5", 9)], "black captures"


def test_heavy_playouts_keep_the_board_consistent_and_record_amaf():
    state = GameState(7)
    nn = 49
    rng, table, policy = new_rng(7), pattern_table(), default_policy()
    scratch = [np.empty(nn, np.int32) for _ in range(3)]
    cand, buf = np.empty(4 * nn + 16, np.int32), np.empty(8, np.int32)
    for _ in range(30):
        stones, chain, ckey = state.stones.copy(), state.chain.copy(), state.ckey.copy()
        amaf_color, amaf_depth = np.zeros(nn, np.int8), np.full(nn, -1, np.int32)
        placed = heavy_playout(stones, chain, ckey, state.nbr, state.diag, state.zkeys, table,
                               policy, BLACK, -1, -1, 3 * nn, rng, *scratch, cand, buf,
                               new_ladder_scratch(7), amaf_color, amaf_depth, 4)
        assert kernels.check_consistency(stones, chain, ckey, state.nbr, state.zkeys) == 0
        assert placed >= np.count_nonzero(amaf_color) >= np.count_nonzero(stones) > 0
        assert set(np.unique(amaf_depth[amaf_color != 0])) == {4}
        assert np.all(amaf_color[stones != 0] != 0)


# -- the tree ----------------------------------------------------------------------------------

def searched_tree(state: GameState, sims: int, seed: int = 1):
    tree, sc = new_tree(20000), new_scratch(state.size)
    params = UctConfig().params(state.komi, state.size)
    ownership, totals = np.zeros(state.size ** 2), np.zeros(2)
    expand_root(tree, state.stones, state.chain, state.ckey, state.nbr, state.diag, state.zkeys,
                pattern_table(), params, state.size, state.to_play, -1, -1, sc)
    simulate(tree, state.stones, state.chain, state.ckey, state.nbr, state.diag, state.zkeys,
             pattern_table(), params, state.size, state.to_play, -1, 0, -1, new_rng(seed), sc,
             ownership, totals, sims)
    return tree, ownership, totals


def children(tree, node=0):
    f, k = tree.first[node], tree.count[node]
    return range(f, f + k)


def test_root_children_and_priors():
    tree, _, _ = searched_tree(GameState(5), 0)
    moves = [int(tree.move[c]) for c in children(tree)]
    assert sorted(moves) == list(range(25)), "every point of the empty board, no pass"
    rate = {int(tree.move[c]): tree.prior_wins[c] / tree.prior_visits[c] for c in children(tree)}
    assert rate[at("C3", 5)] > rate[at("A1", 5)], "third line beats first in an empty area"
    state = state_of(IN_ATARI)
    tree, _, _ = searched_tree(state, 0)
    best = max(children(tree), key=lambda c: tree.prior_wins[c] / tree.prior_visits[c])
    assert tree.move[best] == at("D3", 7), "capturing has the strongest prior"


def test_simulations_are_counted_once_everywhere():
    tree, ownership, totals = searched_tree(GameState(5), 300)
    assert tree.visits[0] == 300 and totals[1] == 300
    assert sum(tree.visits[c] for c in children(tree)) == 300
    assert np.all(np.abs(ownership) <= 300)
    assert tree.used[0] > 26, "some leaves were expanded"
    assert all(tree.amaf_visits[c] >= tree.visits[c] for c in children(tree))


def test_compact_keeps_a_subtree_and_reset_empties():
    tree, _, _ = searched_tree(GameState(5), 400)
    top = max(children(tree), key=lambda c: tree.visits[c])
    dst = new_tree(20000)
    compact(tree, top, dst)
    assert dst.visits[0] == tree.visits[top]
    assert [dst.move[c] for c in children(dst)] == [tree.move[c] for c in children(tree, top)]
    assert [dst.visits[c] for c in children(dst)] == [tree.visits[c] for c in children(tree, top)]
    assert find_child(tree, 0, tree.move[top]) == top and find_child(tree, 0, 25) == -1
    reset_tree(dst)
    assert dst.used[0] == 1 and dst.count[0] == 0 and dst.visits[0] == 0
