"""Resignation calibration, data reuse and worker processes of the AlphaGo Zero loop."""

import dataclasses
import json
from pathlib import Path

import numpy as np

from dosaku.search.evaluator import UniformEvaluator
from dosaku.train.zero.config import load_config
from dosaku.train.zero.loop import (RunFolder, calibrated_resign_threshold, run_zero,
                                    train_steps)
from dosaku.train.zero.selfplay import play_games

ROOT = Path(__file__).resolve().parents[2]
TINY = load_config(ROOT / "configs" / "zero_tiny.toml")


def folder_with_minima(tmp_path, minima, generation=1):
    run = RunFolder(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    run.log({"generation": generation, "phase": "selfplay",
             "playthrough_winner_min": list(minima)})
    return run


def test_resigning_stays_off_until_enough_played_through_games(tmp_path):
    cfg = dataclasses.replace(TINY, resign_min_games=20)
    run = folder_with_minima(tmp_path, [-0.2] * 19)
    assert calibrated_resign_threshold(cfg, run, 2) == -1.0
    run.log({"generation": 1, "phase": "selfplay", "playthrough_winner_min": [-0.2]})
    assert -1.0 < calibrated_resign_threshold(cfg, run, 2) <= cfg.resign_threshold


def test_threshold_keeps_false_positives_at_the_target(tmp_path):
    """Of 100 winners, 10 fell to -0.95 at some point: a 5% target must not resign them all
    away, so the threshold goes below -0.95; with all winners above -0.5 the ceiling holds."""
    cfg = dataclasses.replace(TINY, resign_threshold=-0.8, resign_false_positive=0.05)
    minima = [-0.95] * 10 + list(np.linspace(-0.5, 0.5, 90))
    run = folder_with_minima(tmp_path / "a", minima)
    threshold = calibrated_resign_threshold(cfg, run, 2)
    assert threshold < -0.95
    assert np.mean(np.array(minima) < threshold) <= 0.05
    run = folder_with_minima(tmp_path / "b", list(np.linspace(-0.5, 0.5, 100)))
    assert calibrated_resign_threshold(cfg, run, 2) == -0.8
    # later generations' games do not count for an earlier generation
    assert calibrated_resign_threshold(cfg, run, 1) == -1.0
    fixed = dataclasses.replace(cfg, resign_false_positive=0.0)
    assert calibrated_resign_threshold(fixed, folder_with_minima(tmp_path / "c", []), 1) == -0.8


def test_records_keep_the_winners_lowest_value():
    out = []
    cfg = dataclasses.replace(TINY, resign_playthrough=1.0)
    play_games(UniformEvaluator(), cfg, 3, 0, out.append, resign_threshold=-1.0)
    # the uniform evaluator's values are 0: the root value sits at 0
    assert all(abs(r.winner_min_value) < 1e-6 for r in out)
    assert not any(r.resigned for r in out)


def test_samples_per_position_sets_the_steps(tmp_path):
    cfg = load_config(ROOT / "configs" / "zero_tiny.toml", generations=1,
                      samples_per_position=2.0, workers=2, games_per_generation=4)
    run_zero(cfg, tmp_path)
    run = RunFolder(tmp_path)
    selfplay = [e for e in run.entries() if e["phase"] == "selfplay"][0]
    training = [e for e in run.entries() if e["phase"] == "train"][0]
    assert selfplay["games"] == 4 and run.games_in(1) == 4
    assert {p.name.split("-")[1] for p in run.shards.glob("*.npz")} == {"w0", "w1"}
    assert training["steps"] == train_steps(cfg, run, 1) == \
        int(np.ceil(2.0 * selfplay["positions"] / cfg.batch_size))
    assert 0.0 < selfplay["net_fraction"] < 1.0
    assert json.loads((tmp_path / "config.json").read_text())["workers"] == 2


def test_resume_may_change_runtime_fields_only(tmp_path):
    import pytest

    base = dict(generations=1, games_per_generation=2)
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", **base), tmp_path)
    # more generations, int8 self-play: allowed, and generation 2 plays with int8
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", **{**base, "generations": 2},
                         selfplay_precision="int8"), tmp_path)
    run = RunFolder(tmp_path)
    assert run.latest_generation() == 2
    nets = [e["net"] for e in run.entries() if e["phase"] == "selfplay"]
    assert nets == ["torch/fp32", "torch/int8"]
    with pytest.raises(ValueError, match="different config"):
        run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", **{**base, "generations": 3},
                             visits=9), tmp_path)


def test_policy_target_pruning_in_self_play():
    out = []
    cfg = dataclasses.replace(TINY, forced_playouts=2.0, visits=16, noise_fraction=0.25)
    play_games(UniformEvaluator(), cfg, 2, 0, out.append)
    assert all(r.pruned > 0 for r in out)  # forced visits were taken back out
    for r in out:
        assert np.allclose(r.policy.sum(axis=1), 1.0, atol=1e-5)
    plain = []
    play_games(UniformEvaluator(), dataclasses.replace(cfg, forced_playouts=0.0), 2, 0,
               plain.append)
    assert all(r.pruned == 0 for r in plain)
