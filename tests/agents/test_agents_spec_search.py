"""Searching player specs: ``zero:``, ``puct:`` and ``alphago:`` (tiny random checkpoints),
through ``build_agent``, ``dosaku gtp --player`` and ``dosaku match``."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest
import torch

from dosaku.agents import RESIGN
from dosaku.agents.puct_agent import PuctAgent
from dosaku.agents.spec import build_agent, parse_spec, with_options
from dosaku.cli import main as cli
from dosaku.features.rollout import RolloutWeights, save_rollout_weights
from dosaku.io.sgf import read_sgf
from dosaku.nets import create_model, save_model
from dosaku.rules.game import GameState
from dosaku.search.evaluator import MixedEvaluator, RolloutEvaluator


@pytest.fixture(scope="module")
def nets(tmp_path_factory) -> dict[str, Path]:
    """Randomly initialised 5×5 checkpoints: a dual net, AlphaGo's policy and value nets, and
    a rollout policy file."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("nets")
    paths = {"dual": folder / "dual.safetensors", "policy": folder / "policy.safetensors",
             "value": folder / "value.safetensors", "rollout": folder / "rollout.safetensors"}
    save_model(create_model("resnet_b1c8", board_size=5), paths["dual"])
    save_model(create_model("alphago_policy", blocks=2, channels=8, board_size=5),
               paths["policy"])
    save_model(create_model("alphago_value", blocks=2, channels=8, board_size=5,
                            value_hidden=16), paths["value"])
    save_rollout_weights(RolloutWeights.zeros(), paths["rollout"])
    return paths


def alphago(nets, extra: str = "") -> str:
    return f"alphago:policy={nets['policy']},value={nets['value']}" + extra


def test_zero_and_puct_specs_build_puct_agents(nets):
    agent = build_agent(f"zero:model={nets['dual']},time=0.5,batch=4,symmetry=average", seed=3)
    assert isinstance(agent, PuctAgent) and agent.board_size == 5
    assert agent.search.config.batch_size == 4
    assert agent.search.config.resign_threshold == -0.95  # AlphaGo Zero's play settings
    assert agent.search.config.min_pass_move == 12
    assert agent.limits.seconds == 0.5 and agent.limits.visits >= 10**6  # time alone: no cap
    assert agent.search.evaluator.symmetry == "average"
    puct = build_agent(f"puct:model={nets['dual']},visits=7,c_puct_init=2.5,"
                       f"fpu_reduction=0,resign_threshold=-0.5,n_thr=2")
    cfg = puct.search.config
    assert (puct.limits.visits, puct.limits.seconds) == (7, None)
    assert (cfg.c_puct_init, cfg.fpu_reduction, cfg.resign_threshold,
            cfg.expansion_threshold) == (2.5, 0.0, -0.5, 2)
    rollouts = build_agent("puct:visits=16,rollouts=3")  # no model: a Monte-Carlo player
    assert isinstance(rollouts.search.evaluator, RolloutEvaluator)
    assert rollouts.search.evaluator.rollouts == 3
    state = GameState(5)
    assert state.is_legal(rollouts.select_move(state))


def test_alphago_spec_mixes_policy_value_and_rollouts(nets):
    agent = build_agent(alphago(nets, ",lambda=0.25,n_thr=3,visits=24,batch=4"), seed=1)
    evaluator = agent.search.evaluator
    assert isinstance(evaluator, MixedEvaluator) and evaluator.mixing == 0.25
    assert evaluator.rollouts.policy is None  # rollout=default: light random playouts
    assert agent.search.config.expansion_threshold == 3
    assert agent.search.config.c_puct_init == 5.0  # AlphaGo's c_puct
    assert agent.board_size == 5 and agent.name == "alphago"
    state = GameState(5)
    move = agent.select_move(state)
    assert state.is_legal(move)
    with_policy = build_agent(alphago(nets, f",rollout={nets['rollout']},rollouts=2"))
    assert with_policy.search.evaluator.rollouts.policy is not None
    assert with_policy.search.evaluator.mixing == 0.5  # AlphaGo's λ by default
    rollouts_only = build_agent(f"alphago:policy={nets['policy']},lambda=1,visits=8")
    assert state.is_legal(rollouts_only.select_move(state))


def test_an_alphago_player_resigns_a_lost_game_as_alphago_did(nets):
    """White owns the board with two eyes: every rollout says Black loses, so the mixed root
    value (rollouts alone at lambda=1) is near -1, below AlphaGo's -0.8."""
    lost = GameState.from_diagram("""
        . O . O .
        O O O O O
        O O O O O
        O O O O O
        . O . O .""")
    player = f"alphago:policy={nets['policy']},lambda=1,visits=64,batch=1"
    agent = build_agent(player, seed=1)
    assert agent.search.config.resign_threshold == -0.8
    assert agent.select_move(lost.copy()) == RESIGN
    never = build_agent(player + ",resign_threshold=-1", seed=1)
    assert never.select_move(lost.copy()) != RESIGN  # -1: plays on (here it must pass)
    raw = build_agent(f"alphago:policy={nets['policy']},lambda=1,visits=1,batch=1", seed=1)
    assert raw.select_move(lost.copy()) != RESIGN  # one rollout is no evaluation
    assert raw.last_root[1] < -0.8  # ... though its Q is below the threshold
    few = build_agent(player + ",resign_min_visits=65", seed=1)
    assert few.select_move(lost.copy()) != RESIGN


def test_rollout_policy_values_are_outcomes(nets):
    evaluator = RolloutEvaluator(rollouts=4, seed=0, policy=RolloutWeights.zeros())
    values = evaluator.values([GameState(5), GameState(5, komi=30.5)])
    assert values[1] == -1.0  # Black to move cannot win 25 points against 30.5 komi
    assert values[0] in (-1.0, -0.5, 0.0, 0.5, 1.0)


@pytest.mark.parametrize("text, message", [
    ("zero:bogus=1", "unknown zero option 'bogus'"),
    ("puct:batch=many", "option batch='many' is not a int"),
    ("puct:visits=0", "visits=0 must be at least 1"),
    ("puct:symmetry=left", "symmetry='left'"),
    ("puct:time=-1", "time=-1.0 must be positive"),
    ("puct:n_thr=-2", "expansion_threshold must not be negative"),
    ("puct:precision=int4", "precision='int4' is not fp32"),
    ("puct:backend=tensorrt", "backend='tensorrt' is not torch"),
    ("zero:model=/no/such.safetensors", "model='/no/such.safetensors': no such file"),
    ("alphago:policy=/no/such.safetensors", "policy='/no/such.safetensors': no such file"),
    ("alphago:lambda=1.5", "lambda=1.5 must be in"),
    ("alphago:lambda=1,rollout=/no/file", "rollout='/no/file'"),
])
def test_bad_search_specs_name_the_option(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_spec(text)


def test_an_alphago_spec_without_model_files_plays_the_built_in_nets(nets, monkeypatch,
                                                                      tmp_path):
    import dosaku.models

    monkeypatch.setattr(dosaku.models, "ALPHAGO_DIR", tmp_path / "absent")
    with pytest.raises(ValueError, match=re.escape("value= (a value net) is needed")):
        parse_spec("alphago:lambda=0.5")
    (tmp_path / "built_in").mkdir()
    for key in ("policy", "value", "rollout"):
        (tmp_path / "built_in" / f"{key}.safetensors").write_bytes(nets[key].read_bytes())
    monkeypatch.setattr(dosaku.models, "ALPHAGO_DIR", tmp_path / "built_in")
    agent = build_agent("alphago:visits=4", seed=1)
    assert agent.board_size == 5 and isinstance(agent.search.evaluator, MixedEvaluator)
    from dosaku.agents.net_evaluator import NetEvaluator
    from dosaku.search.evaluator import UniformEvaluator

    assert isinstance(agent.search.evaluator.value_source, NetEvaluator)
    named = build_agent(f"alphago:lambda=1,policy={nets['policy']},visits=4", seed=1)
    assert isinstance(named.search.evaluator.value_source, UniformEvaluator)  # no built-in


def test_command_line_overrides_for_searching_players(nets):
    spec = with_options(f"zero:model={nets['dual']},visits=5", playouts=None, visits=9,
                        time=None)
    assert spec.option_dict["visits"] == "9" and spec.text.count("visits") == 1
    assert with_options("puct:seconds=3", time=1.5).option_dict == {"time": "1.5"}
    assert with_options("mcts:playouts=5", visits=9).option_dict == {"playouts": "9"}
    with pytest.raises(ValueError, match="set the same option twice"):
        with_options("puct", playouts=3, visits=4)
    with pytest.raises(ValueError, match="only apply to mcts"):
        with_options("random", visits=9)


def run_gtp(monkeypatch, argv, commands):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(commands))
    monkeypatch.setattr(sys, "stdout", out)
    return cli.main(argv), out.getvalue()


@pytest.mark.parametrize("kind", ["zero", "alphago"])
def test_dosaku_gtp_plays_with_a_searching_player(monkeypatch, nets, kind):
    player = f"zero:model={nets['dual']}" if kind == "zero" else alphago(nets, ",n_thr=1")
    code, out = run_gtp(monkeypatch, ["gtp", "--player", player, "--visits", "12",
                                      "--seed", "1"],
                        "genmove b\ngenmove w\nlz-analyze 100\n\nquit\n")
    assert code == 0
    answers = re.findall(r"^= (\S*)", out, re.MULTILINE)
    # no --size: the engine plays the nets' 5x5
    assert all(re.fullmatch(r"[A-E][1-5]|pass|resign", a) for a in answers[:2]), out
    assert "info move" in out


def test_a_net_player_refuses_a_board_its_networks_do_not_play(monkeypatch, nets, capsys,
                                                                tmp_path):
    player = f"zero:model={nets['dual']}"  # a 5x5 net
    code, _ = run_gtp(monkeypatch, ["gtp", "--player", player, "--size", "9"], "")
    assert code == 2 and "plays 5x5" in capsys.readouterr().err
    sgf = tmp_path / "nine.sgf"
    sgf.write_text("(;FF[4]GM[1]SZ[9];B[ee])")
    code, out = run_gtp(monkeypatch, ["gtp", "--player", player, "--visits", "4"],
                        f"play b c3\nboardsize 9\nloadsgf {sgf}\nlist_stones black\n"
                        "genmove w\nquit\n")
    answers = out.split("\n\n")
    assert code == 0 and answers[1].startswith("? unacceptable size")
    assert answers[2].startswith("? unacceptable size")  # a 9x9 record: refused too
    assert answers[3] == "= C3" and answers[4].startswith("= ")  # the game is kept
    code = cli.main(["play", "--player", player, "--size", "9"])
    assert code == 2 and "plays 5x5" in capsys.readouterr().err


def test_dosaku_gtp_reports_a_bad_player(monkeypatch, capsys):
    code, _ = run_gtp(monkeypatch, ["gtp", "--player", "zero:visit=3"], "")
    assert code == 2 and "unknown zero option 'visit'" in capsys.readouterr().err


def test_dosaku_match_between_zero_and_mcts(nets, tmp_path, capsys):
    out = tmp_path / "match"
    code = cli.main(["match", "--black", f"zero:model={nets['dual']},visits=8",
                     "--white", "mcts:playouts=20", "--games", "2", "--size", "5",
                     "--alternate", "--parallel", "0", "--quiet", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(results) == 2 and all(r["reason"] in ("score", "resign", "max-moves")
                                     for r in results)
    black = read_sgf((out / "games" / results[0]["sgf"]).read_bytes()).comments
    seen = [re.search(r"(\d+) visits, winrate (\d+\.\d)%", black[n]) for n in range(1, 8, 2)]
    assert all(seen), "each zero move's comment says what its search saw"
    assert all(int(m[1]) >= 8 and 0 <= float(m[2]) <= 100 for m in seen)


def test_zero_spec_chooses_precision_and_backend(nets):
    """The fast-inference options reach the NetEvaluator; zero passes tidily by default."""
    agent = build_agent(f"zero:model={nets['dual']},visits=4,precision=bf16")
    assert agent.search.evaluator.precision == "bf16"
    assert agent.search.config.tidy_pass
    onnx = build_agent(f"puct:model={nets['dual']},visits=4,backend=onnxruntime")
    assert onnx.search.evaluator.backend == "onnxruntime"
    state = GameState(5)
    assert state.is_legal(agent.select_move(state)) and state.is_legal(onnx.select_move(state))


def test_alphago_spec_runs_its_nets_at_the_precision_asked(nets):
    """precision= is a search option of every searching kind: the alphago nets honour it too
    (it was accepted and ignored)."""
    agent = build_agent(alphago(nets, ",visits=4,precision=bf16"), seed=1)
    evaluator = agent.search.evaluator
    assert evaluator.prior_source.precision == "bf16"
    assert evaluator.value_source.precision == "bf16"
    state = GameState(5)
    assert state.is_legal(agent.select_move(state))
    with pytest.raises(ValueError, match="calibration"):
        build_agent(alphago(nets, ",visits=4,precision=int8"))  # no MODEL.calibration.npz


def test_alphago_passes_tidily_by_default(nets):
    """Behind on the board as it stands, with moves left outside its eyes, the AlphaGo player
    does not even consider passing (the clean-up phase lost it won games against GNU Go)."""
    state = GameState(5, 7.5)
    state.play(12)  # Black to move, behind by 25 + 7.5 on the Tromp-Taylor count
    agent = build_agent(alphago(nets, ",lambda=1,visits=1,batch=1,symmetry=none"), seed=0)
    assert agent.search.config.tidy_pass
    root = agent.think(state, 1)
    assert state.pass_move not in root.moves.tolist()
    free = build_agent(alphago(nets, ",lambda=1,visits=1,batch=1,tidy_pass=false"), seed=0)
    assert state.pass_move in free.think(state, 1).moves.tolist()
