"""The Evaluator protocol: what the search asks of a network (or of anything else).

An evaluator takes a batch of positions and returns, for each, a prior over the ``n*n + 1``
moves (pass last) and a value in [-1, 1] from the side to move's point of view. The search
never sees tensors: a network sits behind :class:`dosaku.agents` ``NetEvaluator``; the
evaluators here need no network and serve tests, baselines and AlphaGo's rollouts.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np

from dosaku.rules.game import GameState
from dosaku.rules.playout import new_rng, run_playouts


class Evaluator(Protocol):
    """Batch of states -> (priors float32 (B, n*n+1), values float32 (B,))."""

    def evaluate(self, states: Sequence[GameState]) -> tuple[np.ndarray, np.ndarray]: ...


def uniform_priors(states: Sequence[GameState]) -> np.ndarray:
    """Priors spread evenly over each state's legal moves (pass included).  # (B, n*n+1)"""
    priors = np.stack([s.legal_mask().astype(np.float32) for s in states])
    return priors / priors.sum(axis=1, keepdims=True)


class UniformEvaluator:
    """Uniform priors, value 0: the search alone, for tests and tree-overhead benchmarks."""

    def evaluate(self, states: Sequence[GameState]) -> tuple[np.ndarray, np.ndarray]:
        return uniform_priors(states), np.zeros(len(states), dtype=np.float32)


class RolloutEvaluator:
    """Uniform priors; the value is the mean outcome of ``rollouts`` light random playouts.

    The outcome of a playout is +1 if the side to move wins it on the Tromp-Taylor count, -1 if
    it loses (0 for a draw): the Monte-Carlo value of classical MCTS and AlphaGo's z.
    """

    def __init__(self, rollouts: int = 8, seed: int = 0):
        self.rollouts = rollouts
        self.rng = new_rng(seed)
        self._scores = np.empty(rollouts)

    def value(self, state: GameState) -> float:
        ko = state.ko_point if state.ko_color == state.to_play else -1
        nn = state.size * state.size
        run_playouts(state.stones, state.chain, state.ckey, state.nbr, state.diag, state.zkeys,
                     state.to_play, ko, state.komi, self.rollouts, 3 * nn, self.rng,
                     self._scores, np.empty(nn))
        return float(np.mean(np.sign(self._scores))) * state.to_play

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
            v = self.value_source.evaluate(states)[1]
        z_values = z.result() if z is not None else zero
        v_values = v if self.mixing < 1.0 else zero
        return priors, (1.0 - self.mixing) * v_values + self.mixing * z_values
