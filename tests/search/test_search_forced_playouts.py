"""KataGo's forced playouts and policy target pruning (SearchConfig.forced_playouts)."""

import math

import numpy as np

from dosaku.rules.game import GameState
from dosaku.search.puct import Search, SearchConfig


class SkewedEvaluator:
    """Priors: one favourite point, the rest spread thin; values: the favourite's child is
    good for the root player, everything else bad. PUCT alone starves the thin moves."""

    def __init__(self, favourite: int):
        self.favourite = favourite

    def evaluate(self, states):
        b, nn = len(states), states[0].size ** 2 + 1
        priors = np.full((b, nn), 0.2 / (nn - 1), dtype=np.float32)
        priors[:, self.favourite] = 0.8
        values = np.array([-0.5 if s.moves and s.moves[-1][1] == self.favourite else 0.5
                           for s in states], dtype=np.float32)  # from the side to move
        return priors, values


def search(k, sims=400):
    s = Search(SkewedEvaluator(12), SearchConfig(forced_playouts=k, batch_size=1), seed=0)
    s.run(GameState(5), sims)
    return s


def test_forced_playouts_give_every_child_its_share():
    plain, forced = search(0.0), search(2.0)
    root = forced.root
    need = np.floor(np.sqrt(2.0 * root.prior * root.n)) - 1  # allow the last one pending
    assert (root.visit_count >= need).all()
    thin = root.moves != 12
    assert plain.root.visit_count[thin].min() < need[thin].min()  # PUCT alone starves them
    assert root.visit_count[~thin].item() == root.visit_count.max()


def test_pruning_takes_the_forced_visits_back():
    forced = search(2.0)
    raw, pruned = forced.root.visit_count, forced.pruned_visit_counts()
    best = int(np.argmax(raw))
    assert pruned[best] == raw[best]  # the best child keeps everything
    assert (pruned <= raw).all() and pruned.sum() < raw.sum()
    removed = raw - pruned
    allowed = np.floor(np.sqrt(2.0 * forced.root.prior * forced.root.n))
    assert ((removed <= allowed) | (pruned == 0)).all()
    target = forced.pruned_visit_distribution()
    assert math.isclose(target.sum(), 1.0, rel_tol=1e-9) and target[12] > 0.9
    plain = search(0.0)  # without forced playouts the target is the visit distribution
    assert np.array_equal(plain.pruned_visit_distribution(), plain.visit_distribution())
