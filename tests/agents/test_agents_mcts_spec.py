"""Agent specs (``random``, ``mcts:...``, ``gtp:...``), the external-engine agent, and
``dosaku gtp --player mcts``."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from dosaku.agents.gtp_agent import EngineFailure, GtpAgent
from dosaku.agents.mcts import MctsAgent
from dosaku.agents.random_agent import RandomAgent
from dosaku.agents.spec import build_agent, parse_spec, with_options
from dosaku.cli import main as cli
from dosaku.rules.game import GameState

DOSAKU = [sys.executable, "-m", "dosaku.cli.main", "gtp"]


def test_parse_specs():
    spec = parse_spec("mcts:playouts=200, rave_equiv=1000,seed=4")
    assert spec.kind == "mcts" and spec.option_dict == {"playouts": "200", "rave_equiv": "1000",
                                                        "seed": "4"}
    gtp = parse_spec("gtp:/usr/games/gnugo --mode gtp --level 10 --chinese-rules")
    assert gtp.command == ("/usr/games/gnugo", "--mode", "gtp", "--level", "10",
                           "--chinese-rules")
    assert parse_spec("random").kind == "random"


@pytest.mark.parametrize("text, message", [
    ("chess", "unknown player kind"), ("gtp:", "needs a command line"),
    ("mcts:nodes=3", "unknown mcts option"), ("mcts:playouts=many", "is not a int"),
    ("mcts:playouts=0", "playouts must be at least 1"), ("random:depth=2", "only seed"),
    ("mcts:playouts", "not key=value")])
def test_bad_specs_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_spec(text)


def test_build_agents_and_command_line_overrides():
    agent = build_agent("mcts:playouts=123,rave_equiv=99", seed=1)
    assert isinstance(agent, MctsAgent)
    assert agent.config.playouts == 123 and agent.config.uct.rave_equiv == 99
    assert isinstance(build_agent("random", seed=1), RandomAgent)
    assert with_options("mcts:playouts=5", playouts=9, time=None).text == "mcts:playouts=9"
    with pytest.raises(ValueError, match="only apply to mcts"):
        with_options("random", playouts=9)


def test_gtp_agent_follows_the_game_and_plays_legal_moves():
    state = GameState(5, komi=0.5)
    with GtpAgent(DOSAKU + ["--seed", "3"], timeout=60) as engine:
        assert engine.name.startswith("dosaku")
        for _ in range(6):
            state.play(engine.select_move(state))  # raises if the engine's move is illegal
            state.play(RandomAgent(len(state.moves)).select_move(state))
        state.undo()  # a state that no longer extends what the engine saw: it replays
        state.play(engine.select_move(state))
        assert re.fullmatch(r"[BW]\+[\d.]+|0", engine.claim_score(state))


def test_gtp_agent_that_cannot_start_is_a_crash(tmp_path: Path):
    with pytest.raises(EngineFailure) as failure:
        GtpAgent([str(tmp_path / "no-such-engine")])
    assert failure.value.reason == "crash"


def run_gtp(monkeypatch, argv, commands):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(commands))
    monkeypatch.setattr(sys, "stdout", out)
    return cli.main(argv), out.getvalue()


def test_dosaku_gtp_with_the_mcts_player(monkeypatch):
    code, out = run_gtp(monkeypatch, ["gtp", "--player", "mcts", "--playouts", "50",
                                      "--size", "5", "--seed", "1"],
                        "genmove b\ngenmove w\nquit\n")
    assert code == 0
    answers = re.findall(r"^= (\S*)", out, re.MULTILINE)
    assert len(answers) == 3 and all(re.fullmatch(r"[A-E][1-5]", a) for a in answers[:2])


def test_dosaku_gtp_rejects_playouts_for_other_players(monkeypatch, capsys):
    code, _ = run_gtp(monkeypatch, ["gtp", "--player", "random", "--playouts", "5"], "")
    assert code == 2
