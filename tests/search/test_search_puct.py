"""PUCT search with evaluators that need no network: bookkeeping and known best moves."""

import numpy as np
import pytest

from dosaku.rules.coords import from_gtp
from dosaku.rules.game import GameState
from dosaku.rules.ruleset import CHINESE
from dosaku.rules.types import BLACK, WHITE
from dosaku.search.evaluator import MixedEvaluator, RolloutEvaluator, UniformEvaluator
from dosaku.search.puct import Search, SearchConfig


class ConstantEvaluator:
    """Uniform priors, a fixed value: lets the mixing test see which source was used."""

    def __init__(self, value):
        self.value = value

    def evaluate(self, states):
        priors, _ = UniformEvaluator().evaluate(states)
        return priors, np.full(len(states), self.value, dtype=np.float32)


@pytest.mark.parametrize("batch", [1, 8])
def test_visit_counts_sum_to_the_simulations(batch):
    search = Search(UniformEvaluator(), SearchConfig(batch_size=batch), seed=0)
    root = search.run(GameState(5), 200)
    assert root.visit_count.sum() == pytest.approx(200)
    assert np.all(root.visit_count >= 0) and np.all(np.isclose(root.visit_count % 1, 0))
    assert search.visit_distribution().sum() == pytest.approx(1.0)


def test_deterministic_with_noise_off_and_a_seed():
    def visits(seed):
        search = Search(RolloutEvaluator(rollouts=2, seed=seed), SearchConfig(batch_size=4),
                        seed=seed)
        return search.run(GameState(5), 100).visit_count.copy()

    assert np.array_equal(visits(3), visits(3))


def test_root_noise_changes_priors_but_keeps_a_distribution():
    search = Search(UniformEvaluator(), SearchConfig(noise_fraction=0.25), seed=1)
    root = search.run(GameState(7), 16)
    assert root.prior.sum() == pytest.approx(1.0)
    assert root.prior.std() > 0  # uniform priors became uneven


def test_mixing_lambda_zero_and_one_are_pure():
    state = GameState(5)
    rollouts = RolloutEvaluator(rollouts=4, seed=0)
    value_only = MixedEvaluator(UniformEvaluator(), ConstantEvaluator(0.7), rollouts, 0.0)
    assert value_only.evaluate([state])[1][0] == pytest.approx(0.7)
    rollouts_only = MixedEvaluator(UniformEvaluator(), ConstantEvaluator(0.7), rollouts, 1.0)
    z = rollouts_only.evaluate([state])[1][0]
    assert z in (-1.0, -0.5, 0.0, 0.5, 1.0)  # a mean of four ±1 outcomes
    with pytest.raises(ValueError):
        MixedEvaluator(UniformEvaluator(), ConstantEvaluator(0.0), rollouts, 1.5)


def test_tree_reuse_keeps_the_chosen_subtree():
    search = Search(RolloutEvaluator(rollouts=1, seed=0), SearchConfig(batch_size=1), seed=0)
    state = GameState(5)
    root = search.run(state, 150)
    move = search.choose()
    i = int(np.flatnonzero(root.moves == move)[0])
    child_visits = root.children[i].visits
    search.advance(move)
    state.play(move)
    assert search.set_root(state).visits == child_visits > 0


def best_move(diagram, to_play, simulations=400, size=None):
    state = GameState.from_diagram(diagram, komi=0.5, ruleset=CHINESE, to_play=to_play)
    search = Search(RolloutEvaluator(rollouts=4, seed=1), SearchConfig(batch_size=4), seed=1)
    search.run(state, simulations)
    return search.choose()


def test_finds_the_capture():
    # Three white chains (five stones) share their last liberty, C4: capturing takes them all.
    diagram = """
        . . X . . .
        . X O X . .
        X O . O X .
        . X O O X .
        . . X X . .
        . . . . . .
    """
    assert best_move(diagram, BLACK) == from_gtp("C4", 6)


def test_finds_the_escape():
    # Black's two stones (B4 C4) are in atari; C3 connects
    # them to the black group below and saves them.
    diagram = """
        . . . . . .
        . O O . . .
        O X X O . .
        . O . X X .
        . . X . X .
        . . X X . .
    """
    state = GameState.from_diagram(diagram, komi=0.5, to_play=BLACK)
    assert state.liberties(from_gtp("B4", 6)) == 1
    assert best_move(diagram, BLACK) == from_gtp("C3", 6)


def test_passes_to_win_after_the_opponent_passes():
    # Black owns the board on a Tromp-Taylor count; white has passed: passing ends a won game.
    state = GameState.from_diagram("""
        . X . O .
        X X X O O
        . X . X O
        X X X X X
        . . . . .
    """, komi=0.5, to_play=WHITE)
    state.play(state.pass_move)  # white passes
    search = Search(UniformEvaluator(), SearchConfig(batch_size=1), seed=0)
    search.run(state, 200)
    assert search.choose() == state.pass_move


def test_no_pass_is_searched_before_min_pass_move_unless_forced():
    search = Search(UniformEvaluator(), SearchConfig(min_pass_move=10), seed=0)
    root = search.run(GameState(5), 20)
    assert GameState(5).pass_move not in root.moves
    full = GameState.from_diagram("""
        . X
        X X
    """, to_play=BLACK)  # filling its last liberty is suicide: black can only pass
    root = Search(UniformEvaluator(), SearchConfig(min_pass_move=10), seed=0).run(full, 4)
    assert list(root.moves) == [full.pass_move]
