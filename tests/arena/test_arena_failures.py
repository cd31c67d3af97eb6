"""A player that crashes, hangs, answers malformed GTP, plays an illegal move or refuses ours
loses that game, with the reason recorded; the match goes on."""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

import pytest

from dosaku.arena.game import GameSetup, play_game, run_game
from dosaku.arena.match import MatchConfig, run_match
from dosaku.agents.random_agent import RandomAgent
from dosaku.rules.types import BLACK, WHITE

FAKE = Path(__file__).with_name("fake_gtp_engine.py")


def fake(behaviour: str, trigger: int = 1) -> str:
    return "gtp:" + shlex.join([sys.executable, str(FAKE), behaviour, str(trigger)])


@pytest.mark.parametrize("behaviour, trigger, reason, letter", [
    ("crash", 1, "crash", "F"),
    ("malformed", 1, "malformed", "F"),
    ("nonsense", 1, "malformed", "F"),
    ("illegal", 2, "illegal", "F"),
    ("refuse", 1, "refused", "F"),
    ("resign", 2, "resign", "R"),
])
def test_engine_failures_lose_the_game(behaviour, trigger, reason, letter):
    outcome = run_game(GameSetup(0, fake(behaviour, trigger), "random", size=5, seed=1,
                                 move_timeout=20))
    assert (outcome.winner, outcome.reason, outcome.result) == ("W", reason, f"W+{letter}")
    if reason != "resign":
        assert outcome.detail


def test_an_engine_that_hangs_loses_on_time():
    start = time.monotonic()
    outcome = run_game(GameSetup(0, "random", fake("hang"), size=5, seed=1, move_timeout=1.0))
    assert (outcome.winner, outcome.reason, outcome.result) == ("B", "time", "B+T")
    assert time.monotonic() - start < 30


def test_an_engine_that_cannot_start_forfeits():
    outcome = run_game(GameSetup(0, "random", "gtp:/no/such/engine --gtp", size=5))
    assert (outcome.winner, outcome.reason) == ("B", "crash")


class Broken:
    """In-process agents gone wrong."""

    name = "broken"

    def __init__(self, how: str):
        self.how = how

    def select_move(self, state):
        if self.how == "raise":
            raise RuntimeError("boom")
        if self.how == "slow":
            time.sleep(0.3)
            return state.pass_move
        if self.how == "nonsense":
            return "D4"  # not a move number
        return 10 ** 6  # off the board


@pytest.mark.parametrize("how, reason", [("raise", "crash"), ("illegal", "illegal"),
                                         ("slow", "time"), ("nonsense", "crash")])
def test_in_process_agent_failures(how, reason):
    setup = GameSetup(0, "x", "y", size=5, move_timeout=0.2)
    outcome, state, _ = play_game({BLACK: RandomAgent(1), WHITE: Broken(how)}, setup)
    assert (outcome.winner, outcome.reason) == ("B", reason)
    assert state.move_number == 1, "the game stopped at the failure"
    if how == "raise":
        assert "RuntimeError: boom" in outcome.detail


def test_the_match_goes_on_after_a_crash(tmp_path: Path):
    config = MatchConfig(black=fake("crash", 2), white="random", out=str(tmp_path / "m"),
                         games=3, size=5, alternate=True, parallel=0, move_timeout=20)
    report = run_match(config, progress=False)
    lines = [json.loads(x) for x in (tmp_path / "m" / "results.jsonl").read_text().splitlines()]
    assert [x["index"] for x in lines] == [0, 1, 2]
    assert all(x["reason"] == "crash" for x in lines)
    assert report.overall.losses == 3, "the crashing engine loses with either colour"
