"""Property tests over random games: the numba rules agree with the pure-Python reference."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dosaku.rules.game import GameState
from dosaku.rules.playout import PlayoutBoard
from dosaku.rules.reference import ReferenceGame
from dosaku.rules.ruleset import CHINESE, JAPANESE, TROMP_TAYLOR
from dosaku.rules.scoring import tromp_taylor_score

RULESETS = [CHINESE, TROMP_TAYLOR, JAPANESE]
games = st.tuples(st.integers(2, 9), st.sampled_from(RULESETS), st.integers(0, 2**32 - 1))


def random_game(size, ruleset, seed, pass_rate=0.03):
    """Yield (state, move) pairs of a random legal game, the state before each move."""
    rng = np.random.default_rng(seed)
    state = GameState(size, komi=0.5, ruleset=ruleset)
    for _ in range(4 * size * size):
        if state.is_over:
            return
        legal = state.legal_moves()
        move = size * size if rng.random() < pass_rate else int(rng.choice(legal))
        yield state, move


@settings(max_examples=40, deadline=None)
@given(games)
def test_legality_captures_and_superko_match_the_reference(game):
    size, ruleset, seed = game
    ref = ReferenceGame(size, suicide=ruleset.suicide, superko=ruleset.superko)
    for state, move in random_game(size, ruleset, seed):
        mask = state.legal_mask()
        assert list(mask) == ref.legal_mask(state.to_play), state.to_diagram()
        color = state.to_play
        stones_before = np.count_nonzero(state.stones)
        captured = state.play(move)
        removed = len(state.last_captured)
        ref.play(None if move == size * size else move, color)
        assert list(state.stones) == ref.grid
        assert state.consistency_error() == 0  # no chain without liberties, exact counts
        placed = 0 if move == size * size else 1
        assert np.count_nonzero(state.stones) == stones_before + placed - removed
        assert captured <= removed


@settings(max_examples=25, deadline=None)
@given(games)
def test_undo_restores_state_and_hash(game):
    size, ruleset, seed = game
    for state, move in random_game(size, ruleset, seed, pass_rate=0.1):
        snapshot = (state.stones.tobytes(), state.chain.tobytes(), state.position_hash,
                    dict(state.prisoners), state.ko_point, state.ko_color, state.to_play,
                    state.passes, state.legal_mask().tobytes())
        if len(state.moves) % 5 == 0:
            trial = state.copy()
            trial.play(move)
            trial.undo()
            assert (trial.stones.tobytes(), trial.chain.tobytes(), trial.position_hash,
                    dict(trial.prisoners), trial.ko_point, trial.ko_color, trial.to_play,
                    trial.passes, trial.legal_mask().tobytes()) == snapshot
        state.play(move)


@settings(max_examples=25, deadline=None)
@given(games)
def test_hash_is_a_function_of_the_stones(game):
    size, ruleset, seed = game
    for state, move in random_game(size, ruleset, seed):
        state.play(move)
    rebuilt = GameState(size, ruleset=ruleset)
    rebuilt.setup(black=np.flatnonzero(state.stones == 1), white=np.flatnonzero(state.stones == -1))
    assert rebuilt.position_hash == state.position_hash
    assert rebuilt.consistency_error() == 0


@settings(max_examples=25, deadline=None)
@given(games)
def test_tromp_taylor_score_matches_the_reference(game):
    size, ruleset, seed = game
    state = None
    for state, move in random_game(size, ruleset, seed):
        state.play(move)
    if state is None:
        return
    ref = ReferenceGame(size, komi=state.komi)
    ref.grid = [int(v) for v in state.stones]
    black, white = ref.area()
    assert tromp_taylor_score(state) == black - white - state.komi


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 13), st.integers(0, 2**32 - 1))
def test_playouts_end_settled_and_consistent(size, seed):
    from dosaku.rules import board as kernels
    state = GameState(size, komi=0.5)
    pb = PlayoutBoard(state, seed=seed)
    score = pb.run()
    assume(pb.moves_played < pb.max_moves)  # a long cycle hit the cap: not settled
    assert kernels.check_consistency(pb.stones, pb.chain, pb.ckey, state.nbr, state.zkeys) == 0
    # two passes mean neither side has a legal move that does not fill its own eye
    ref = ReferenceGame(size, superko=False)
    ref.grid = [int(v) for v in pb.stones]
    for color in (1, -1):
        assert all(ref.is_eye(p, color) or not ok
                   for p, ok in enumerate(ref.legal_mask(color)[:-1]))
    black, white = ref.area()
    assert score == black - white - 0.5
