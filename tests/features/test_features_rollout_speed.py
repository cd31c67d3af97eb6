"""The fast rollout kernel (no reference counting, a kept list of chains in atari) against
the from-scratch policy, and against moves recorded from the kernel before it was sped up."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from dosaku.features import rollout as ro
from dosaku.features.rollout import RolloutLayout, RolloutWeights, rollout_features
from dosaku.features.rollout_patterns import shape_geometry
from dosaku.features.rollout_playout import run_rollout, shape_table
from dosaku.rules.game import GameState
from dosaku.rules.playout import new_rng
from dosaku.rules.ruleset import JAPANESE

LAYOUT = RolloutLayout(response_bits=10, pattern_bits=12)
_W = np.random.default_rng(11).normal(0, 1, LAYOUT.size).astype(np.float32)
_W[ro.SAVE_ATARI] = 3.0  # saving atari is likely: a missed chain in atari shows in the weights
WEIGHTS = RolloutWeights(_W, LAYOUT)


def position(size: int, moves: int, seed: int) -> GameState:
    """A random game of ``moves`` moves under simple ko, as rollouts play."""
    rng = np.random.default_rng(seed)
    state = GameState(size, komi=7.5, ruleset=JAPANESE)
    for _ in range(moves):
        legal = state.legal_moves()
        state.play(int(rng.choice(legal[:-1])) if len(legal) > 1 else state.pass_move)
    return state


def traced_rollout(start: GameState, seed: int, trace_rows: int):
    """(moves played, the turn weights, the moves (n*n = pass), the final stones)."""
    n, nn = start.size, start.size ** 2
    ring, diamond = shape_geometry(n)
    trace = np.zeros((trace_rows, nn))
    moves = np.zeros(3 * nn, dtype=np.int32)
    stones, chain, ckey = start.stones.copy(), start.chain.copy(), start.ckey.copy()
    ko = start.ko_point if start.ko_color == start.to_play else -1
    played = run_rollout(stones, chain, ckey, start.nbr, start.diag, start.zkeys, ring, diamond,
                         n, shape_table(WEIGHTS), LAYOUT.response_bits, start.to_play, ko,
                         ro.last_point(start), 3 * nn, new_rng(seed), trace, moves)
    return played, trace, moves, stones


@pytest.mark.parametrize("seed", range(6))
def test_every_turn_draws_from_the_policy(seed: int):
    """At every move the rollout's weights are the policy's probabilities over the candidates
    (save-atari weighted heavily, so a chain in atari missing from the kept list fails)."""
    start = position(9, 20 + 5 * seed, seed)
    played, trace, moves, stones = traced_rollout(start, seed, 3 * 81)
    state = start.copy()
    for t in range(played):
        candidates = rollout_features(state, LAYOUT).moves
        if len(candidates):
            drawn = trace[t, candidates] / trace[t, candidates].sum()
            assert np.allclose(drawn, WEIGHTS.probabilities(state)[candidates], rtol=1e-5)
            others = np.setdiff1d(np.flatnonzero(trace[t]), candidates)
            assert all(state.stones[p] == 0 for p in others)  # only ko, suicide or own eye
            assert moves[t] in candidates
        else:
            assert moves[t] == start.size ** 2  # no candidate: a pass
        state.play(int(moves[t]))
    assert np.array_equal(state.stones, stones)


# (moves played, CRC-32 of the int32 moves) for seeds 0, 1, 2, recorded from the kernel as it
# was before the speed-up: the same sums in the same order meet the same random numbers.
RECORDED = {(9, 30, 2): [(88, 3352477286), (105, 1730211185), (102, 132090785)],
            (13, 60, 3): [(145, 2607002948), (135, 453640716), (162, 904900930)]}


@pytest.mark.parametrize("game", sorted(RECORDED))
def test_the_moves_for_a_seed_are_unchanged(game):
    start = position(*game)
    got = []
    for seed in range(3):
        played, _, moves, _ = traced_rollout(start, seed, 0)
        got.append((played, zlib.crc32(moves[:played].tobytes())))
    assert got == RECORDED[game]


def test_run_rollout_releases_the_gil():
    """MixedEvaluator runs rollouts in a thread beside the networks."""
    assert run_rollout.targetoptions.get("nogil") is True
