"""The eight board symmetries: a group acting on moves, planes, policies and games, under which
every encoder is equivariant: encode(sym(s)) == sym(encode(s))."""

from __future__ import annotations

import numpy as np
import pytest

from dosaku.features import ENCODERS, encoder_named
from dosaku.features.symmetry import (SYMMETRIES, inverse, move_map, transform_move,
                                      transform_planes, transform_policy, transform_state)
from dosaku.rules.game import GameState
from dosaku.rules.ruleset import JAPANESE
from dosaku.rules.types import WHITE

ALL = range(SYMMETRIES)


def random_position(size: int, moves: int, seed: int, ruleset=JAPANESE) -> GameState:
    """A random game's last position (captures and kos come up on small boards)."""
    rng = np.random.default_rng(seed)
    state = GameState(size, komi=6.5, ruleset=ruleset)
    state.setup(black=[int(rng.integers(size * size))], to_play=WHITE)  # a handicap stone
    for _ in range(moves):
        legal = state.legal_moves()
        state.play(int(rng.choice(legal[:-1])) if len(legal) > 1 else state.pass_move)
    return state


LADDER = GameState.from_diagram("""
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . O . . . . .
    . . O X X . . . .
    . . . O O . . . .
    . . . . . . X . .
    . . . . . . . . .
""", to_play=WHITE)
POSITIONS = [random_position(5, 25, 0), random_position(9, 45, 1), random_position(7, 70, 2),
             LADDER]


def test_the_symmetries_form_a_group():
    n = 5
    maps = {k: tuple(move_map(k, n)) for k in ALL}
    assert len(set(maps.values())) == 8  # all distinct
    assert maps[0] == tuple(range(n * n + 1))
    for k in ALL:
        assert all(m == n * n or 0 <= m < n * n for m in maps[k])
        assert all(maps[k][-1] == n * n for k in ALL)  # the pass stays put
        back = move_map(inverse(k), n)
        assert [back[maps[k][m]] for m in range(n * n + 1)] == list(range(n * n + 1))
        for j in ALL:  # closed under composition
            assert tuple(move_map(j, n)[list(maps[k])]) in maps.values()


@pytest.mark.parametrize("k", ALL)
def test_planes_and_policies_move_the_same_way(k: int):
    n = 7
    planes = np.arange(3 * n * n).reshape(3, n, n)
    turned = transform_planes(planes, k)
    for m in range(n * n):
        r, c = divmod(transform_move(m, k, n), n)
        assert turned[1, r, c] == planes[1, m // n, m % n]
    policy = np.random.default_rng(k).random((2, n * n + 1))
    moved = transform_policy(policy, k, n)
    assert moved[:, -1].tolist() == policy[:, -1].tolist()
    assert np.array_equal(moved[:, :-1].reshape(2, n, n),
                          transform_planes(policy[:, :-1].reshape(2, n, n), k))
    assert np.array_equal(transform_policy(moved, inverse(k), n), policy)
    assert np.array_equal(transform_planes(turned, inverse(k)), planes)


def test_policy_size_is_checked():
    with pytest.raises(ValueError, match="82 entries"):
        transform_policy(np.zeros(81), 1, 9)
    with pytest.raises(ValueError, match="0..7"):
        transform_planes(np.zeros((2, 9, 9)), 8)


@pytest.mark.parametrize("k", ALL)
def test_games_turn_with_their_moves(k: int):
    state = POSITIONS[1]
    turned = transform_state(state, k)
    assert turned.to_play == state.to_play and turned.prisoners == state.prisoners
    assert np.array_equal(turned.board, transform_planes(state.board, k))
    legal = state.legal_mask().copy()
    assert np.array_equal(turned.legal_mask(), transform_policy(legal, k, state.size))


@pytest.mark.parametrize("name", list(ENCODERS))
@pytest.mark.parametrize("k", ALL)
def test_every_encoder_is_equivariant(name: str, k: int):
    encoder = encoder_named(name)
    for state in POSITIONS:
        expected = transform_planes(encoder.encode(state), k)
        assert np.array_equal(encoder.encode(transform_state(state, k)), expected), \
            f"{name} under symmetry {k} on\n{state}"


def test_the_ladder_position_has_ladder_planes():
    planes = encoder_named("alphago48").encode(LADDER)
    assert planes[44].sum() == 1  # the test above is not vacuous for the ladder planes
