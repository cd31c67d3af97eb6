"""PUCT with uniform priors and random rollouts reads a ladder: it starts the one that works.

The position (9×9, Black to play, komi 33.5 so that the game turns on the white stone D4)::

    9  . X . X X O . O .        Top: Black's and White's walls, both alive.
    8  X X X X X O O O O        Bottom right: a living black group.
    7  . X . X X O . O .
    6  X X X X X O O O O        D4 has two liberties, E4 and D3.
    5  . . . X . O . O .        - Black E4: White D3, Black D2, White C3, Black B3, White C2,
    4  . . X O . . X X X          Black B2, White C1, Black B1: the chain is left with one
    3  . . . . X . X . X          liberty and no way out (a ladder into the corner).
    2  . . . . . . X X X        - Black D3: White E4 has E5 and F4; either atari lets White
    1  . . . . . . X . X          connect to the wall at F5 (the wall breaks the ladder).
       A B C D E F G H J

Capturing D4 gives Black the whole bottom and the game (by 7.5); the komi leaves Black no other
way to win.
Flat Monte-Carlo (400 rollouts per move, no tree) scores E4 0.47 and D3 0.45: a near tie. The
search must read White's extension and the ataris after it to tell the two ataris apart.
"""

import numpy as np
import pytest

from dosaku.features.ladder import is_ladder_capture, ladder_captured
from dosaku.rules.coords import from_gtp
from dosaku.rules.game import GameState
from dosaku.rules.types import BLACK
from dosaku.search.evaluator import MixedEvaluator, RolloutEvaluator, UniformEvaluator
from dosaku.search.puct import Search, SearchConfig

LADDER = """
    . X . X X O . O .
    X X X X X O O O O
    . X . X X O . O .
    X X X X X O O O O
    . . . X . O . O .
    . . X O . . X X X
    . . . . X . X . X
    . . . . . . X X X
    . . . . . . X . X
"""
KOMI = 33.5
SIMULATIONS = 2000


def position() -> GameState:
    return GameState.from_diagram(LADDER, komi=KOMI, to_play=BLACK)


def g(vertex: str) -> int:
    return from_gtp(vertex, 9)


class Reversed:
    """A broken search: every leaf value with the wrong sign."""

    def __init__(self, evaluator):
        self.evaluator = evaluator

    def evaluate(self, states):
        priors, values = self.evaluator.evaluate(states)
        return priors, -values


def search(evaluator, simulations: int = SIMULATIONS) -> Search:
    s = Search(evaluator, SearchConfig(batch_size=4), seed=1)
    s.run(position(), simulations)
    return s


def test_the_diagram_is_what_it_claims():
    state = position()
    assert state.liberties(g("D4")) == 2
    assert is_ladder_capture(state, g("E4")) and not is_ladder_capture(state, g("D3"))
    wrong = state.copy()
    wrong.play(g("D3"))
    wrong.play(g("E4"))  # White extends: two liberties, and the ladder runs into F5
    assert wrong.liberties(g("D4")) == 2 and not ladder_captured(wrong, g("D4"))


@pytest.mark.parametrize("evaluator", [
    RolloutEvaluator(rollouts=4, seed=1),
    MixedEvaluator(UniformEvaluator(), UniformEvaluator(), RolloutEvaluator(rollouts=4, seed=1),
                   mixing=1.0),
], ids=["rollouts", "mixed-lambda-1"])
def test_starts_the_ladder_that_works(evaluator):
    s = search(evaluator)
    assert s.choose() == g("E4")
    root = s.root
    q = {int(m): root.value_sum[i] / max(root.visit_count[i], 1) for i, m in
         enumerate(root.moves)}
    assert q[g("E4")] > q[g("D3")]  # the atari from the wrong side is read as failing


def test_a_broken_search_does_not_find_it():
    # the checks above can fail: one simulation, or a reversed value sign, miss the ladder
    assert search(RolloutEvaluator(rollouts=4, seed=1), simulations=1).choose() != g("E4")
    assert search(Reversed(RolloutEvaluator(rollouts=4, seed=1))).choose() != g("E4")


def test_the_visits_went_to_the_ladder():
    root = search(RolloutEvaluator(rollouts=4, seed=1)).root
    share = root.visit_count / root.visit_count.sum()
    assert share[np.flatnonzero(root.moves == g("E4"))[0]] > 0.5
