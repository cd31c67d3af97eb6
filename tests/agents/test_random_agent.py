"""RandomAgent: legal moves only, never its own eye, a pass when nothing else is left."""

from __future__ import annotations

import numpy as np
import pytest

from dosaku.agents import RESIGN, Agent, RandomAgent
from dosaku.rules.board import is_eye
from dosaku.rules.game import GameState
from dosaku.rules.ruleset import CHINESE, TROMP_TAYLOR
from dosaku.rules.types import BLACK, WHITE

# Two eyes each, nothing else empty: black may not play in its eyes (it would fill them) nor in
# white's (suicide), and the same for white. Both pass.
TWO_EYES_EACH = """
X X X X X
X . X . X
X X X X X
O O O O O
O . O . O
"""

# Black has a true eye at A5 and a false one at E5 (on the edge, white D4 on its diagonal);
# white has two eyes, D2 and E1, so black may not play there. E5 is black's only choice, and
# white's too (it captures E4; A5 would be suicide).
EYES_AND_FALSE_EYE = """
. X X X .
X X X O X
X X O O O
X X O . O
X X O O .
"""


def state_of(diagram: str, to_play: int, ruleset=CHINESE) -> GameState:
    return GameState.from_diagram(diagram, ruleset=ruleset, to_play=to_play)


def test_is_an_agent():
    agent = RandomAgent(0)
    assert isinstance(agent, Agent) and agent.name == "random"
    assert RESIGN == -1


@pytest.mark.parametrize("color", [BLACK, WHITE])
def test_passes_when_only_eyes_are_left(color):
    state = state_of(TWO_EYES_EACH, color)
    for seed in range(10):
        assert RandomAgent(seed).select_move(state) == state.pass_move


def test_fills_a_false_eye_but_never_a_true_one():
    state = state_of(EYES_AND_FALSE_EYE, BLACK)
    e5 = 4
    assert is_eye(state.stones, state.nbr, state.diag, 0, BLACK)  # A5
    assert not is_eye(state.stones, state.nbr, state.diag, e5, BLACK)
    choices = {RandomAgent(seed).select_move(state) for seed in range(20)}
    assert choices == {e5}


def test_white_never_fills_its_eyes():
    state = state_of(EYES_AND_FALSE_EYE, WHITE)
    d2, e1 = 18, 24
    assert is_eye(state.stones, state.nbr, state.diag, d2, WHITE)
    assert is_eye(state.stones, state.nbr, state.diag, e1, WHITE)
    assert {RandomAgent(seed).select_move(state) for seed in range(20)} == {4}


@pytest.mark.parametrize("size, ruleset", [(5, CHINESE), (7, TROMP_TAYLOR), (9, CHINESE)])
def test_random_games_play_only_legal_non_eye_moves_and_end(size, ruleset):
    agent = RandomAgent(size)
    for _ in range(3):
        state = GameState(size, 7.5, ruleset)
        while not state.is_over:
            assert len(state.moves) < 4 * size * size, "a random game did not end"
            color = state.to_play
            before = (state.stones.tobytes(), len(state.moves), state.to_play)
            move = agent.select_move(state)
            assert before == (state.stones.tobytes(), len(state.moves), state.to_play)
            if move != state.pass_move:
                assert state.is_legal(move)
                assert not is_eye(state.stones, state.nbr, state.diag, move, color)
            else:
                legal = np.flatnonzero(state.legal_mask(color)[:-1])
                assert all(is_eye(state.stones, state.nbr, state.diag, p, color) for p in legal)
            state.play(move)


def test_same_seed_same_game_and_generator_accepted():
    def game(agent):
        state = GameState(7)
        while not state.is_over:
            state.play(agent.select_move(state))
        return state.moves

    assert game(RandomAgent(42)) == game(RandomAgent(42))
    assert game(RandomAgent(np.random.default_rng(7))) == game(RandomAgent(7))
    assert game(RandomAgent(1)) != game(RandomAgent(2))
