"""The Evaluator protocol: what the search asks of a network (or of anything else).

An evaluator takes a batch of positions and returns, for each, a prior over the ``n*n + 1``
moves (pass last) and a value in [-1, 1] from the side to move's point of view. The search
never sees tensors: a network sits behind :class:`dosaku.agents` ``NetEvaluator``; the
evaluators here need no network and serve tests, baselines and AlphaGo's rollouts.

An evaluator may also offer ``values(states)``: the values alone, without priors. The search
asks for it for leaves it does not expand yet (AlphaGo's expansion threshold n_thr), so an
evaluator whose priors cost a network call of their own (AlphaGo's SL policy net) can skip it;
:func:`leaf_values` falls back to ``evaluate`` for evaluators without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol

import numpy as np

from dosaku.rules.game import GameState
from dosaku.rules.playout import area_ownership, new_rng, run_playouts

if TYPE_CHECKING:
    from dosaku.features.rollout import RolloutWeights


class Evaluator(Protocol):
    """Batch of states -> (priors float32 (B, n*n+1), values float32 (B,))."""

    def evaluate(self, states: Sequence[GameState]) -> tuple[np.ndarray, np.ndarray]: ...


def leaf_values(evaluator: Evaluator, states: Sequence[GameState]) -> np.ndarray:
    """Values (B,) of ``states``: the evaluator's ``values`` if it has one, else the value half
    of ``evaluate``."""
    if not states:
        return np.zeros(0, dtype=np.float32)
    values = getattr(evaluator, "values", None)
    if values is not None:
        return np.asarray(values(states), dtype=np.float32)
    return np.asarray(evaluator.evaluate(states)[1], dtype=np.float32)


def uniform_priors(states: Sequence[GameState]) -> np.ndarray:
    """Priors spread evenly over each state's legal moves (pass included).  # (B, n*n+1)"""
    priors = np.stack([s.legal_mask().astype(np.float32) for s in states])
    return priors / priors.sum(axis=1, keepdims=True)


class UniformEvaluator:
    """Uniform priors, value 0: the search alone, for tests and tree-overhead benchmarks."""

    def evaluate(self, states: Sequence[GameState]) -> tuple[np.ndarray, np.ndarray]:
        return uniform_priors(states), self.values(states)

    def values(self, states: Sequence[GameState]) -> np.ndarray:
        return np.zeros(len(states), dtype=np.float32)


class RolloutEvaluator:
    """Uniform priors; the value is the mean outcome of ``rollouts`` playouts.

    The outcome of a playout is +1 if the side to move wins it on the Tromp-Taylor count, -1 if
    it loses (0 for a draw): the Monte-Carlo value of classical MCTS and AlphaGo's z. Without
    ``policy`` the playouts are the light random ones of :mod:`dosaku.rules.playout` (uniform
    over moves that do not fill one's own eye); with ``policy`` they follow AlphaGo's fast
    rollout policy (:mod:`dosaku.features.rollout_playout`; AlphaGo's z). Both kernels
    release the GIL (``nogil``), so beside a network in :class:`MixedEvaluator` the rollouts run
    on the second core while torch runs on the first.
    """

    def __init__(self, rollouts: int = 8, seed: int = 0, policy: RolloutWeights | None = None):
        if rollouts < 1:
            raise ValueError(f"rollouts must be at least 1, got {rollouts}")
        self.rollouts = rollouts
        self.rng = new_rng(seed)
        self.policy = policy
        self._scores = np.empty(rollouts)

    def value(self, state: GameState) -> float:
        if self.policy is not None:
            return self.policy_value(state)
        ko = state.ko_point if state.ko_color == state.to_play else -1
        nn = state.size * state.size
        run_playouts(state.stones, state.chain, state.ckey, state.nbr, state.diag, state.zkeys,
                     state.to_play, ko, state.komi, self.rollouts, 3 * nn, self.rng,
                     self._scores, np.empty(nn))
        return float(np.mean(np.sign(self._scores))) * state.to_play

    def policy_value(self, state: GameState) -> float:
        """The mean outcome of rollouts with the fast rollout policy."""
        from dosaku.features.rollout import last_point
        from dosaku.features.rollout_patterns import shape_geometry
        from dosaku.features.rollout_playout import run_rollout, shape_table

        n, color = state.size, state.to_play
        nn = n * n
        ring, diamond = shape_geometry(n)
        table = shape_table(self.policy)
        ko = state.ko_point if state.ko_color == color else -1
        owner, stack, region = (np.empty(nn, dtype=np.int8), np.empty(nn, dtype=np.int32),
                                np.empty(nn, dtype=np.int32))
        no_trace = np.zeros((0, nn)), np.zeros(0, dtype=np.int32)
        total = 0.0
        for _ in range(self.rollouts):
            stones, chain, ckey = state.stones.copy(), state.chain.copy(), state.ckey.copy()
            run_rollout(stones, chain, ckey, state.nbr, state.diag, state.zkeys, ring, diamond,
                        n, table, self.policy.layout.response_bits, color, ko,
                        last_point(state), 3 * nn, self.rng, *no_trace)
            black, white = area_ownership(stones, state.nbr, owner, stack, region)
            total += np.sign(black - white - state.komi)
        return total / self.rollouts * color

    def values(self, states: Sequence[GameState]) -> np.ndarray:
        return np.array([self.value(s) for s in states], dtype=np.float32)

    def evaluate(self, states: Sequence[GameState]) -> tuple[np.ndarray, np.ndarray]:
        return uniform_priors(states), self.values(states)


class MixedEvaluator:
    """AlphaGo's leaf evaluation (Silver et al. 2016, "Searching with policy and value
    networks"): V(s) = (1 - λ)·v(s) + λ·z, priors from ``prior_source``, v from
    ``value_source``, z from ``rollouts``. λ = 0 is the value alone, λ = 1 rollouts alone.

    The rollouts run in a worker thread while the networks evaluate the same batch: the numba
    playout kernel releases the GIL, and so does torch, so on two cores both proceed at once
    (AlphaGo ran its rollouts on CPUs beside the GPUs' networks).
    """

    def __init__(self, prior_source: Evaluator, value_source: Evaluator,
                 rollouts: RolloutEvaluator, mixing: float = 0.5):
        if not 0.0 <= mixing <= 1.0:
            raise ValueError(f"mixing λ must be in [0, 1], got {mixing}")
        self.prior_source, self.value_source = prior_source, value_source
        self.rollouts, self.mixing = rollouts, mixing
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rollouts")

    def evaluate(self, states: Sequence[GameState]) -> tuple[np.ndarray, np.ndarray]:
        zero = np.zeros(len(states), dtype=np.float32)
        z = self.pool.submit(self.rollouts.values, states) if self.mixing > 0.0 else None
        priors, v = self.prior_source.evaluate(states)
        if self.mixing < 1.0 and self.value_source is not self.prior_source:
            v = leaf_values(self.value_source, states)
        z_values = z.result() if z is not None else zero
        v_values = v if self.mixing < 1.0 else zero
        return priors, (1.0 - self.mixing) * v_values + self.mixing * z_values

    def values(self, states: Sequence[GameState]) -> np.ndarray:
        """V without priors (a leaf under the expansion threshold): the prior source is not
        asked, unless it is also the value source."""
        z = self.pool.submit(self.rollouts.values, states) if self.mixing > 0.0 else None
        v = leaf_values(self.value_source, states) if self.mixing < 1.0 else 0.0
        z_values = z.result() if z is not None else 0.0
        return ((1.0 - self.mixing) * v + self.mixing * z_values
                + np.zeros(len(states))).astype(np.float32)
