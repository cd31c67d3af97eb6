"""The classical MCTS player honours a game clock (GTP time_settings / time_left)."""

import pytest

from dosaku.agents.mcts import MctsAgent, MctsConfig
from dosaku.gtp.engine import GtpEngine
from dosaku.rules.game import GameState


def test_the_clock_stops_a_playout_budget_it_could_not_finish():
    agent = MctsAgent(MctsConfig(playouts=10**9, early_stop=False), seed=1)
    agent.move_seconds = 0.2
    result = agent.search(GameState(9))
    assert 0 < result.simulations < 10**9
    assert agent.time_limit() == 0.2


def test_time_limit_is_the_tighter_of_setting_and_clock():
    agent = MctsAgent(MctsConfig(time=1.0), seed=1)
    assert agent.time_limit() == 1.0
    agent.move_seconds = 0.25
    assert agent.time_limit() == 0.25
    agent.move_seconds = 3.0
    assert agent.time_limit() == 1.0
    assert MctsAgent(MctsConfig(playouts=50), seed=1).time_limit() is None


def test_gtp_engine_gives_the_mcts_player_its_budget():
    agent = MctsAgent(MctsConfig(playouts=10**9, early_stop=False), seed=2)
    engine = GtpEngine(agent, 9, 7.5)
    engine.handle("time_settings 0 2 1")  # Canadian: 2 s for each stone
    engine.handle("time_left b 2 1")
    assert engine.handle("genmove b").startswith("= ")
    assert agent.move_seconds == pytest.approx(1.5)  # 2 s less the lag reserve
    assert agent.last.simulations < 10**9
