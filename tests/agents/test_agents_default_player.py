"""The default player of ``dosaku play`` and ``dosaku gtp``: the built-in net where one
ships for the board size, the classical MCTS player elsewhere, chosen per size."""

from __future__ import annotations

from dosaku.agents.default_player import NET_SPEC, NO_NET_SPEC, PlayersBySize, default_spec
from dosaku.agents.puct_agent import PuctAgent, ThinkingLimits
from dosaku.agents.random_agent import RandomAgent
from dosaku.gtp.engine import GtpEngine
from dosaku.models import builtin_model_path
from dosaku.search.evaluator import RolloutEvaluator
from dosaku.search.puct import SearchConfig


def test_the_net_plays_the_sizes_it_ships_for_and_mcts_the_rest():
    assert builtin_model_path(9) is not None and builtin_model_path(19) is None
    assert default_spec(9) == NET_SPEC == "zero:time=1"
    assert default_spec(19) == default_spec(13) == default_spec(7) == NO_NET_SPEC


def test_each_size_gets_its_player_built_once():
    built = []

    def build(size):
        built.append(size)
        return RandomAgent(size)

    players = PlayersBySize(build)
    assert players(9) is players(9) and players(13) is not players(9)
    assert built == [9, 13]


def searcher():
    return PuctAgent(RolloutEvaluator(rollouts=1, seed=0), SearchConfig(batch_size=2),
                     ThinkingLimits(visits=8), seed=0)


def test_a_gtp_engine_switches_player_with_boardsize_and_builds_none_before_it_must():
    built = []

    def build(size):
        built.append(size)
        return searcher() if size == 7 else RandomAgent(0)

    engine = GtpEngine(PlayersBySize(build), size=19)
    for command in ("boardsize 9", "komi 6.5", "play b C3", "boardsize 7", "clear_board"):
        assert engine.handle(command).startswith("="), command
    assert built == []  # neither the start nor the size changes loaded a player
    assert engine.handle("known_command lz-analyze") == "= true\n\n"  # 7x7: a searcher
    assert engine.handle("genmove b").startswith("= ")
    assert engine.handle("boardsize 5") == "= \n\n"
    assert engine.handle("known_command lz-analyze") == "= false\n\n"  # 5x5: random
    assert engine.handle("genmove w").startswith("= ")
    assert engine.handle("boardsize 7") == "= \n\n" and engine.handle("genmove b")[0] == "="
    assert built == [7, 5]
    assert engine.handle("boardsize 30") == "? unacceptable size\n\n"
