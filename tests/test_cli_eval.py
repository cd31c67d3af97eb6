"""``dosaku eval policy|value``: accuracy of nets and rollout weights, value MSE, on tiny games."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from dosaku.cli import main as cli
from dosaku.features.rollout import RolloutLayout, RolloutWeights, save_rollout_weights
from dosaku.io.sgf import write_sgf
from dosaku.nets import create_model, save_model
from dosaku.rules.game import GameState
from dosaku.train.alphago.positions import encode_positions, is_held_out, read_games

torch.set_num_threads(1)  # a second thread only contends on a shared 2-core machine


def random_game(seed: int, moves: int = 12) -> GameState:
    rng = np.random.default_rng(seed)
    state = GameState(19, 7.5)
    for _ in range(moves):
        legal = [m for m in state.legal_moves() if m != state.pass_move]
        state.play(int(rng.choice(legal)))
    return state


@pytest.fixture
def games(tmp_path) -> Path:
    """Four games of 12 moves, one per line, gzipped; results B+R, W+R, B+R, ? (none)."""
    results = ["B+R", "W+R", "B+R", "?"]
    lines = [write_sgf(random_game(i), wrap=None, result=r) for i, r in enumerate(results)]
    path = tmp_path / "games.sgf.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    return path


def run(monkeypatch, argv) -> tuple[int, str]:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    code = cli.main(argv)
    return code, out.getvalue()


def result_of(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_policy_accuracy_of_a_net_counts_every_move(monkeypatch, tmp_path, games):
    model = create_model("alphago_policy", blocks=2, channels=8)
    save_model(model, tmp_path / "sl.safetensors")
    code, out = run(monkeypatch, ["eval", "policy", "--model", str(tmp_path / "sl.safetensors"),
                                  "--sgf", str(games)])
    assert code == 0 and "| games | positions | top1 | top5 |" in out
    result = result_of(out)
    assert result["format"] == "dosaku-model"
    assert (result["games"], result["positions"]) == (4, 48)
    code, out = run(monkeypatch, ["eval", "policy", "--model", str(tmp_path / "sl.safetensors"),
                                  "--sgf", str(games), "--games", "2"])
    assert result_of(out)["positions"] == 24


def test_a_net_that_always_plays_the_expert_move_scores_100(monkeypatch, tmp_path):
    """A plain SGF of one game, and a net whose position bias points at each of its moves in
    turn cannot exist; instead: one move, one position, bias on that point."""
    state = GameState(19, 7.5)
    state.play(72)
    (tmp_path / "one.sgf").write_bytes(write_sgf(state))  # a plain, wrapped SGF
    model = create_model("alphago_policy", blocks=2, channels=8)
    with torch.no_grad():
        model.policy_head.position_bias[72] = 1e4
    save_model(model, tmp_path / "sl.safetensors")
    code, out = run(monkeypatch, ["eval", "policy", "--model", str(tmp_path / "sl.safetensors"),
                                  "--sgf", str(tmp_path / "one.sgf")])
    assert result_of(out)["top1"] == 1.0 and result_of(out)["positions"] == 1


def test_rollout_weights_are_recognised_by_their_header(monkeypatch, tmp_path, games):
    layout = RolloutLayout(response_bits=6, pattern_bits=8)
    save_rollout_weights(RolloutWeights.zeros(layout), tmp_path / "weights.safetensors")
    code, out = run(monkeypatch, ["eval", "policy", "--model",
                                  str(tmp_path / "weights.safetensors"), "--sgf", str(games)])
    result = result_of(out)
    assert code == 0 and result["format"] == "dosaku-rollout" and result["positions"] == 48
    # zero weights: every candidate ties, so the pick is the lowest-index candidate
    assert 0 <= result["top1"] <= result["top5"] < 1
    code = cli.main(["eval", "value", "--model", str(tmp_path / "weights.safetensors"),
                     "--sgf", str(games)])
    assert code == 2


def test_value_mse_against_the_results(monkeypatch, tmp_path, games):
    torch.manual_seed(0)
    model = create_model("alphago_value", blocks=2, channels=8, value_hidden=16)
    save_model(model, tmp_path / "value.safetensors")
    code, out = run(monkeypatch, ["eval", "value", "--model", str(tmp_path / "value.safetensors"),
                                  "--sgf", str(games), "--batch-size", "7"])
    result = result_of(out)
    data = encode_positions(read_games(games), "alphago49")
    keep = ~np.isnan(data.values)
    assert keep.sum() == 36  # the game without a result is not scored
    with torch.no_grad():
        v = model.eval()(torch.from_numpy(data.batch(0, len(data)))).value.numpy()
    expected = float(np.mean((v[keep] - data.values[keep]) ** 2))
    assert code == 0 and result["positions"] == 36
    assert result["mse"] == pytest.approx(expected, abs=1e-4)
    assert result["mse_by_move"] == {"0-49": pytest.approx(expected, abs=1e-4)}
    # by phase: positions before move 6 of each game, and from move 6 on
    from dosaku.train.alphago import accuracy
    monkeypatch.setattr(accuracy, "PHASES", (0, 6))
    phases = result_of(run(monkeypatch, ["eval", "value", "--model",
                                         str(tmp_path / "value.safetensors"),
                                         "--sgf", str(games)])[1])["mse_by_move"]
    number = np.arange(len(data)) % 12  # four games of 12 positions
    for name, part in (("0-5", number < 6), ("6+", number >= 6)):
        chosen = keep & part
        assert phases[name] == pytest.approx(
            float(np.mean((v[chosen] - data.values[chosen]) ** 2)), abs=1e-4)
    assert run(monkeypatch, ["eval", "policy", "--model", str(tmp_path / "value.safetensors"),
                             "--sgf", str(games)])[0] == 2  # a value net has no policy


def test_held_out_keeps_only_the_split_games(monkeypatch, tmp_path, games):
    model = create_model("alphago_policy", blocks=2, channels=8)
    save_model(model, tmp_path / "sl.safetensors", {"config": {"holdout_per_mille": 400}})
    held = [i for i in range(4) if is_held_out(games, i, 400)]
    code, out = run(monkeypatch, ["eval", "policy", "--model", str(tmp_path / "sl.safetensors"),
                                  "--sgf", str(games), "--held-out"])
    assert result_of(out)["games"] == len(held)


def test_not_a_model_file(tmp_path, games, capsys):
    from safetensors.numpy import save_file
    save_file({"x": np.zeros(3, dtype=np.float32)}, str(tmp_path / "other.safetensors"))
    assert cli.main(["eval", "policy", "--model", str(tmp_path / "other.safetensors"),
                     "--sgf", str(games)]) == 2
    assert "neither a dosaku network checkpoint nor rollout weights" in capsys.readouterr().err
