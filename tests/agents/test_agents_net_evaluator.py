"""NetEvaluator: planes in, priors and values out, symmetries undone; a net drives the search."""

import numpy as np
import pytest
import torch

from dosaku.agents.net_evaluator import NetEvaluator
from dosaku.agents.puct_agent import PuctAgent, ThinkingLimits
from dosaku.features.symmetry import inverse, transform_policy, transform_state
from dosaku.nets import create_model
from dosaku.rules.coords import from_gtp
from dosaku.rules.game import GameState
from dosaku.search.puct import SearchConfig


@pytest.fixture(scope="module")
def tiny_net():
    torch.manual_seed(0)
    return create_model("resnet_b1c8", board_size=5)


def position():
    state = GameState(5)
    for v in ("C3", "D4", "B2", "pass"):
        state.play(from_gtp(v, 5))
    return state


def test_priors_and_values(tiny_net):
    priors, values = NetEvaluator(tiny_net, symmetry="none").evaluate([position(), GameState(5)])
    assert priors.shape == (2, 26) and values.shape == (2,)
    assert np.allclose(priors.sum(axis=1), 1.0, atol=1e-5)
    assert np.all(np.abs(values) <= 1.0)


def test_averaged_symmetries_are_invariant(tiny_net):
    evaluator = NetEvaluator(tiny_net, symmetry="average")
    state = position()
    priors, value = evaluator.evaluate([state])
    for k in range(1, 8):
        turned_priors, turned_value = evaluator.evaluate([transform_state(state, k)])
        assert np.allclose(transform_policy(priors, k, 5), turned_priors, atol=1e-5)
        assert turned_value == pytest.approx(value[0], abs=1e-5)


def test_random_symmetry_turns_the_policy_back(tiny_net):
    # Under turn k the net sees the turned board; turned back, its policy must equal the plain
    # evaluation of the turned position, turned back by hand.
    plain = NetEvaluator(tiny_net, symmetry="none")
    state = position()
    candidates = [transform_policy(plain.evaluate([transform_state(state, k)])[0], inverse(k), 5)
                  for k in range(8)]
    assert plain.positions == 8
    for seed in range(6):
        turned, _ = NetEvaluator(tiny_net, symmetry="random", seed=seed).evaluate([state])
        assert any(np.allclose(turned, c, atol=1e-5) for c in candidates)
    assert not all(np.allclose(candidates[0], c, atol=1e-5) for c in candidates)


def test_wrong_board_size_is_refused(tiny_net):
    with pytest.raises(ValueError, match="5x5"):
        NetEvaluator(tiny_net).evaluate([GameState(7)])


def test_a_network_drives_the_puct_agent(tiny_net):
    agent = PuctAgent(NetEvaluator(tiny_net, seed=0), SearchConfig(batch_size=4),
                      ThinkingLimits(visits=32), seed=0)
    state = GameState(5)
    move = agent.select_move(state)
    assert state.is_legal(move) and not state.moves  # the agent never changes the state


def test_zero_agent_loads_a_checkpoint(tiny_net, tmp_path):
    from dosaku.agents.zero_agent import zero_agent
    from dosaku.nets import save_model

    path = tmp_path / "net.safetensors"
    save_model(tiny_net, path)
    agent = zero_agent(path, visits=16, seed=0)
    state = GameState(5)
    assert state.is_legal(agent.select_move(state))
    with pytest.raises(FileNotFoundError):
        zero_agent(None, size=13)
