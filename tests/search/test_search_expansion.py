"""AlphaGo's expansion threshold n_thr (Silver et al. 2016, Methods "Expansion"): a leaf is
valued without priors on its first n_thr visits and expanded on the next."""

from collections import Counter

import numpy as np
import pytest

from dosaku.rules.game import GameState
from dosaku.search.evaluator import (MixedEvaluator, RolloutEvaluator, UniformEvaluator,
                                     leaf_values)
from dosaku.search.puct import Node, Search, SearchConfig


class Counting:
    """Uniform priors, value 0.1; counts the positions asked for priors and for values only."""

    def __init__(self, with_values: bool = True):
        self.prior_positions = 0
        self.value_positions = 0
        if not with_values:
            self.values = None

    def evaluate(self, states):
        self.prior_positions += len(states)
        priors, _ = UniformEvaluator().evaluate(states)
        return priors, np.full(len(states), 0.1, dtype=np.float32)

    def values(self, states):
        self.value_positions += len(states)
        return np.full(len(states), 0.1, dtype=np.float32)


def nodes(root: Node):
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children.values())


@pytest.mark.parametrize("batch", [1, 8])
@pytest.mark.parametrize("n_thr", [0, 1, 3])
def test_leaves_are_expanded_after_n_thr_value_only_visits(batch, n_thr):
    evaluator = Counting()
    search = Search(evaluator, SearchConfig(batch_size=batch, expansion_threshold=n_thr), seed=0)
    root = search.run(GameState(5), 300)
    assert root.visit_count.sum() == pytest.approx(300)
    inner = [n for n in nodes(root) if n is not root and not n.terminal]
    assert all(n.expanded == (n.evaluations > n_thr) for n in inner)
    assert all(n.evaluations <= n_thr + 1 for n in inner if n.expanded)  # later visits pass by
    expanded = sum(n.expanded for n in nodes(root))
    assert evaluator.prior_positions == expanded  # priors only for the nodes that expand
    assert evaluator.value_positions == sum(min(n.evaluations, n_thr) for n in inner)
    if n_thr == 0:
        assert evaluator.value_positions == 0


def test_n_thr_zero_is_the_zero_search():
    def visits(config):
        search = Search(RolloutEvaluator(rollouts=2, seed=5), config, seed=5)
        return search.run(GameState(5), 120).visit_count.copy()

    assert np.array_equal(visits(SearchConfig(batch_size=4)),
                          visits(SearchConfig(batch_size=4, expansion_threshold=0)))
    assert not np.array_equal(visits(SearchConfig(batch_size=4)),
                              visits(SearchConfig(batch_size=4, expansion_threshold=4)))


def test_an_evaluator_without_values_is_asked_for_everything():
    evaluator = Counting(with_values=False)
    Search(evaluator, SearchConfig(expansion_threshold=2), seed=0).run(GameState(5), 60)
    assert evaluator.value_positions == 0 and evaluator.prior_positions == 61  # root + 60


def test_a_leaf_value_is_the_mean_of_its_evaluations():
    node = Node(GameState(3))
    node.note_value(0.2)
    node.note_value(0.6)
    assert not node.expanded and node.value == pytest.approx(0.4)
    node.expand(UniformEvaluator().evaluate([node.state])[0][0], 1.0)
    assert node.expanded and node.evaluations == 3 and node.value == pytest.approx(0.6)
    assert node.q() == pytest.approx(0.6)  # no edge visited yet: the evaluations' mean


def test_gather_finish_drivers_get_the_threshold_too():
    # self-play batches many games by hand: it evaluates every leaf fully and calls finish
    search = Search(None, SearchConfig(batch_size=4, expansion_threshold=1), seed=0)
    search.set_root(GameState(5))
    evaluator = UniformEvaluator()
    for _ in range(30):
        pending = search.gather(4)
        if pending:
            search.finish(pending, *evaluator.evaluate([leaf.state for _, leaf in pending]))
    inner = [n for n in nodes(search.root) if n is not search.root]
    assert search.root.expanded and any(not n.expanded for n in inner)
    assert all(n.expanded == (n.evaluations > 1) for n in inner)


def test_a_batch_may_visit_a_leaf_again_until_its_expansion():
    # Under the threshold a leaf can be pending several times in one batch (each visit its own
    # value); the visit that reaches n_thr expands it, and a walk after that one collides.
    search = Search(UniformEvaluator(), SearchConfig(expansion_threshold=2), seed=0)
    root = search.run(GameState(3), 0)
    pending = search.gather(100)
    counts = Counter(id(leaf) for _, leaf in pending)
    assert len(pending) > len(root.moves) and max(counts.values()) == 3
    flags = search.expansions(pending)
    seen = Counter()
    for (_, leaf), grow in zip(pending, flags):
        assert grow == (seen[id(leaf)] == 2)  # the third visit of a leaf expands it
        seen[id(leaf)] += 1
    search.finish(pending, *UniformEvaluator().evaluate([leaf.state for _, leaf in pending]))
    assert root.visit_count.sum() == pytest.approx(len(pending))
    for child in root.children.values():
        assert child.expanded == (counts[id(child)] == 3)
        assert child.evaluations == counts[id(child)]


def test_mixed_values_skip_the_policy():
    policy, value = Counting(), Counting()
    mixed = MixedEvaluator(policy, value, RolloutEvaluator(rollouts=2, seed=0), mixing=0.5)
    states = [GameState(5), GameState(5)]
    v = leaf_values(mixed, states)
    assert v.shape == (2,) and policy.prior_positions == policy.value_positions == 0
    assert value.value_positions == 2
    search = Search(mixed, SearchConfig(batch_size=4, expansion_threshold=2), seed=0)
    root = search.run(GameState(5), 100)
    assert root.visit_count.sum() == pytest.approx(100)
    assert policy.prior_positions == sum(n.expanded for n in nodes(root))
    assert policy.value_positions == 0
    assert policy.prior_positions < 101 / 2  # most of the 1 + 100 evaluations skipped it


def test_finds_the_capture_with_a_threshold():
    from dosaku.rules.coords import from_gtp
    from dosaku.rules.types import BLACK
    state = GameState.from_diagram("""
        . . X . . .
        . X O X . .
        X O . O X .
        . X O O X .
        . . X X . .
        . . . . . .
    """, komi=0.5, to_play=BLACK)
    search = Search(RolloutEvaluator(rollouts=4, seed=1),
                    SearchConfig(batch_size=4, expansion_threshold=2), seed=1)
    search.run(state, 400)
    assert search.choose() == from_gtp("C4", 6)


def test_negative_threshold_is_refused():
    with pytest.raises(ValueError, match="expansion_threshold"):
        SearchConfig(expansion_threshold=-1)
