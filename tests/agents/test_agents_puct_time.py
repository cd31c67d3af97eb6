"""A time budget holds however slow the evaluator: rounds of simulations are sized to the time
left. The clock is a fake one that the evaluator advances (one second per position), so the
test is exact and does not depend on this machine's speed."""

import numpy as np
import pytest

from dosaku.agents import puct_agent
from dosaku.agents.puct_agent import PuctAgent, ThinkingLimits
from dosaku.rules.game import GameState
from dosaku.search.evaluator import UniformEvaluator, uniform_priors
from dosaku.search.puct import SearchConfig


class SlowEvaluator(UniformEvaluator):
    """Uniform priors that take one (fake) second per position."""

    def __init__(self, clock):
        self.clock = clock

    def evaluate(self, states):
        self.clock.now += len(states)
        return uniform_priors(states), np.zeros(len(states), dtype=np.float32)

    def values(self, states):
        self.clock.now += len(states)
        return super().values(states)


class FakeClock:
    now = 0.0

    def perf_counter(self):
        return self.now

    def __getattr__(self, name):  # anything else from the time module
        import time
        return getattr(time, name)


@pytest.mark.parametrize("seconds", [20.0, 7.5, 3.0])
def test_a_slow_evaluator_does_not_overrun_the_time_budget(monkeypatch, seconds):
    clock = FakeClock()
    monkeypatch.setattr(puct_agent, "time", clock)
    agent = PuctAgent(SlowEvaluator(clock), SearchConfig(batch_size=8),
                      ThinkingLimits(visits=10**6, seconds=seconds), seed=0)
    state = GameState(9)
    root = agent.think(state, 10**6, seconds)
    assert clock.now <= max(seconds, 1 + 8)  # the root and one round always run
    assert root.visits >= min(seconds, 9) - 1  # ... and the budget is used, not wasted
