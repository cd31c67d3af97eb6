"""lz-analyze / kata-analyze streaming, genmove_analyze, and the clock's move budget."""

import io
import os
import re
import threading
import time

import pytest

from dosaku.agents.puct_agent import PuctAgent, ThinkingLimits
from dosaku.agents.random_agent import RandomAgent
from dosaku.gtp.analysis import parse_analyze_args
from dosaku.gtp.clock import TimeSettings, move_budget
from dosaku.gtp.engine import GtpEngine
from dosaku.rules.types import BLACK, WHITE, parse_color
from dosaku.search.evaluator import RolloutEvaluator
from dosaku.search.puct import SearchConfig


def thinking_engine(visits=64):
    agent = PuctAgent(RolloutEvaluator(rollouts=2, seed=0), SearchConfig(batch_size=4),
                      ThinkingLimits(visits=visits), seed=0)
    return GtpEngine(agent, size=7)


def converse(engine, *lines, pause=0.4):
    """Feed ``lines`` through a pipe, pausing before each so analysis has time to stream."""
    read_fd, write_fd = os.pipe()
    inp = os.fdopen(read_fd, "r")
    out = io.StringIO()

    def feed():
        with os.fdopen(write_fd, "w") as w:
            for line in lines:
                w.write(line + "\n")
                w.flush()
                time.sleep(pause)

    feeder = threading.Thread(target=feed)
    feeder.start()
    engine.run(inp, out)
    feeder.join()
    return out.getvalue()


INFO = re.compile(r"info move (\S+) visits (\d+) winrate (\S+) prior (\S+) lcb (\S+) "
                  r"order (\d+) pv ((?:\S+ ?)+?)(?= info |$)")


def test_lz_analyze_streams_until_the_next_command():
    text = converse(thinking_engine(), "boardsize 7", "clear_board", "12 lz-analyze 5",
                    "name", "quit")
    assert text.startswith("= \n\n= \n\n=12\n")
    body, rest = text.split("=12\n", 1)[1].split("\n\n", 1)
    lines = [line for line in body.splitlines() if line]
    assert lines and all(line.startswith("info move ") for line in lines)
    blocks = INFO.findall(lines[-1])
    assert blocks, lines[-1]
    for order, (move, visits, winrate, prior, lcb, rank, pv) in enumerate(blocks):
        assert int(rank) == order and int(visits) > 0
        assert 0 <= int(winrate) <= 10000 and 0 <= int(lcb) <= int(winrate)
        assert 0 <= int(prior) <= 10000
        assert pv.split()[0] == move
    visits = [int(b[1]) for b in blocks]
    assert visits == sorted(visits, reverse=True)
    assert rest.startswith("= dosaku\n\n")  # the command that stopped analysis is answered


def test_kata_genmove_analyze_plays_and_reports():
    engine = thinking_engine(visits=48)
    text = converse(engine, "boardsize 7", "clear_board", "kata-genmove_analyze b 1", "quit",
                    pause=0.05)
    match = re.search(r"play (\S+)\n\n", text)
    assert match and "info move" in text
    floats = re.findall(r"winrate (\S+)", text)
    assert all(0.0 <= float(w) <= 1.0 for w in floats)
    assert engine.state.moves and engine.state.moves[0][0] == BLACK


def test_analysis_needs_a_searching_player():
    engine = GtpEngine(RandomAgent(0), size=7)
    assert converse(engine, "lz-analyze 10", "quit", pause=0.01).startswith(
        "? analysis needs a searching player")
    assert engine.handle("known_command lz-analyze") == "= false\n\n"
    assert thinking_engine().handle("known_command kata-analyze") == "= true\n\n"


def test_parse_analyze_args():
    r = parse_analyze_args(["w", "50", "maxmoves", "3", "ownership", "true"], parse_color)
    assert (r.color, r.interval, r.max_moves, r.ownership) == (WHITE, 0.5, 3, True)
    assert parse_analyze_args(["interval", "20"], parse_color).interval == 0.2
    with pytest.raises(ValueError):
        parse_analyze_args(["maxmoves"], parse_color)
    with pytest.raises(ValueError):
        parse_analyze_args(["10", "colour", "b"], parse_color)


def test_move_budget():
    none = TimeSettings()
    assert move_budget(none, None, 81, 0) is None
    absolute = TimeSettings("absolute", 300, 0, 0)
    first = move_budget(absolute, (300, 0), 81, 0)
    assert 0 < first < 300 / 20
    assert move_budget(absolute, (30, 0), 81, 60) < first  # less time left: faster moves
    canadian = TimeSettings("canadian", 0, 60, 10)
    assert move_budget(canadian, (60, 10), 81, 40) == pytest.approx(6 - 0.5)
    byoyomi = TimeSettings("byoyomi", 0, 10, 3)
    assert move_budget(byoyomi, (10, 3), 81, 40) == pytest.approx(9.5)


def test_genmove_honours_the_clock():
    engine = thinking_engine(visits=10**6)  # only the clock can stop it
    engine.handle("time_settings 0 2 1")  # Canadian: 2 s for each stone
    engine.handle("time_left b 2 1")
    seen = []
    think = engine.agent.think
    engine.agent.think = lambda *a, **k: seen.append(a[2] if len(a) > 2 else k.get("seconds")) \
        or think(*a, **k)
    assert engine.handle("genmove b").startswith("= ")
    assert seen == [pytest.approx(1.5)]  # 2 s for the stone, less the lag reserve


def test_cleanup_asks_agents_that_know_the_phase():
    class CleanupAgent(RandomAgent):
        calls = 0

        def select_cleanup_move(self, state):
            CleanupAgent.calls += 1
            return state.pass_move

    engine = GtpEngine(CleanupAgent(0), size=7)
    assert engine.handle("kgs-genmove_cleanup w") == "= pass\n\n"
    assert CleanupAgent.calls == 1 and engine.state.moves == [(WHITE, 49)]
    assert GtpEngine(RandomAgent(0), size=7).handle("kgs-genmove_cleanup b").startswith("= ")
