"""The AlphaGo Zero loop on 5x5 with a tiny net: records, shards, training, resume, kill -9."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from dosaku.nets import create_model, load_model
from dosaku.search.evaluator import UniformEvaluator
from dosaku.train.zero.buffer import (ReplayWindow, read_shard, shard_generation, shard_paths,
                                     write_shard)
from dosaku.train.zero.config import ZeroConfig, load_config
from dosaku.train.zero.loop import RunFolder, run_zero
from dosaku.train.zero.selfplay import play_games
from dosaku.train.zero.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]
TINY = load_config(ROOT / "configs" / "zero_tiny.toml")


def records(cfg=TINY, count=3, seed=0):
    out = []
    play_games(UniformEvaluator(), cfg, count, seed, out.append)
    return out


def test_self_play_records_are_training_targets():
    games = records()
    assert len(games) == 3
    for g in games:
        n = TINY.board_size
        assert g.planes.shape == (len(g.value), 17, n, n) and g.planes.dtype == np.uint8
        assert np.allclose(g.policy.sum(axis=1), 1.0, atol=1e-5)
        assert set(np.unique(g.value)) <= {-1, 1}
        assert g.winner in (1, -1) and (g.resigned or g.score is not None)
        # the value target is the outcome from the recorded position's side to move
        to_play = np.where(g.planes[:, 16, 0, 0] == 1, 1, -1)
        assert np.array_equal(g.value, np.where(to_play == g.winner, 1, -1))


def test_playout_cap_randomization_records_only_full_searches():
    cfg = load_config(ROOT / "configs" / "zero_tiny.toml", fast_visits=2,
                      full_search_fraction=0.3)
    games = records(cfg, count=4, seed=1)
    positions = sum(len(g.value) for g in games)
    moves = sum(len(g.moves) for g in games)
    assert 0 < positions < moves


def test_shards_and_symmetric_sampling(tmp_path):
    write_shard(tmp_path / "gen0001-0000.npz", records())
    assert not list(tmp_path.glob("*.tmp"))
    window = ReplayWindow.load(tmp_path, window_games=10)
    assert window.games == 3 and len(window) > 0
    planes, policy, value, *_ = window.sample(32, np.random.default_rng(0))
    assert planes.shape[0] == 32 and planes.dtype == np.float32
    assert np.allclose(policy.sum(axis=1), 1.0, atol=1e-2)  # stored as float16
    assert set(np.unique(value)) <= {-1.0, 1.0}


def test_training_lowers_the_loss_and_optimizer_state_round_trips(tmp_path):
    torch.manual_seed(0)
    model = create_model("resnet_b1c8", board_size=5)
    write_shard(tmp_path / "gen0001-0000.npz", records())
    window = ReplayWindow.load(tmp_path, 10)
    trainer = Trainer(model, TINY)
    batch = window.sample(16, np.random.default_rng(0))
    first = trainer.step(*batch)["loss"]
    for _ in range(60):
        last = trainer.step(*batch)["loss"]
    assert last < first
    trainer.save_optimizer(tmp_path / "opt.safetensors")
    other = Trainer(model, TINY)
    other.load_optimizer(tmp_path / "opt.safetensors")
    p = next(model.parameters())
    assert torch.equal(other.optimizer.state[p]["momentum_buffer"],
                       trainer.optimizer.state[p]["momentum_buffer"])


def test_run_resumes_and_refuses_a_different_config(tmp_path):
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=1), tmp_path)
    folder = RunFolder(tmp_path)
    assert folder.latest_generation() == 1
    with pytest.raises(ValueError, match="different config"):
        run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=1, seed=5),
                 tmp_path)
    (tmp_path / "models" / "gen0001.safetensors").unlink()  # as if killed during training
    # a hand-set learning-rate drop is allowed on resume, and the generation logs its rate
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=1,
                         learning_rate=TINY.learning_rate / 10), tmp_path)
    trained = [e for e in folder.entries() if e["phase"] == "train"]
    assert trained[-1]["learning_rate"] == pytest.approx(TINY.learning_rate / 10)
    assert folder.games_in(1) == TINY.games_per_generation  # games were kept, not replayed
    phases = [e["phase"] for e in folder.entries()]
    assert phases.count("selfplay") == 1 and phases.count("train") == 2
    # the newest momentum is kept, older ones go; every generation's net stays
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [
        "gen0000.safetensors", "gen0001.optimizer.safetensors", "gen0001.safetensors"]
    header = load_model(folder.model_path(1))
    assert header.config.board_size == 5


def start_tiny_run(run_dir: Path, *options: str) -> tuple[list[str], subprocess.Popen]:
    """``dosaku zero run`` on the tiny preset in its own process group (so a test can kill
    the whole group, or the run's process alone); the command, to run it again."""
    command = [sys.executable, "-m", "dosaku.cli.main", "zero", "run", "--config",
               str(ROOT / "configs" / "zero_tiny.toml"), "--run-dir", str(run_dir), *options]
    return command, subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)


def test_kill_minus_nine_then_resume(tmp_path):
    run_dir = tmp_path / "run"
    command, process = start_tiny_run(run_dir, "--generations", "3",
                                      "--games-per-generation", "8", "--parallel-games", "2")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((run_dir / "shards").glob("gen0002-*.npz")):
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert list((run_dir / "shards").glob("gen0002-*.npz")), "no shard of generation 2 in time"
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    folder = RunFolder(run_dir)
    assert folder.latest_generation() == 3
    assert [folder.games_in(g) for g in (1, 2, 3)] == [8, 8, 8]
    config = json.loads((run_dir / "config.json").read_text())
    assert config["games_per_generation"] == 8
    # one self-play entry per generation, counting the games played before the kill too
    played = [e for e in folder.entries() if e["phase"] == "selfplay"]
    assert sorted(e["generation"] for e in played) == [1, 2, 3]
    assert all(e["games"] == 8 for e in played)


def test_self_play_workers_stop_when_the_run_is_killed(tmp_path):
    """Killing only the run's own process (``pkill -f "zero run"``) must not leave its
    self-play workers playing on: they exit at their next game and write nothing more."""
    run_dir = tmp_path / "run"
    _, process = start_tiny_run(run_dir, "--workers", "2", "--games-per-generation", "400",
                                "--parallel-games", "2")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list((run_dir / "shards").glob("*-w1-*")):
            time.sleep(0.2)
        assert list((run_dir / "shards").glob("*-w1-*")), "no worker shard in time"
        process.kill()  # the parent alone; its workers are in the same process group
        process.wait()
        deadline = time.monotonic() + 60
        alive = True
        while alive and time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
                time.sleep(0.5)
            except ProcessLookupError:
                alive = False
        assert not alive, "self-play workers outlived the run"
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def killed_after_self_play(run: Path, drop_shards: int) -> None:
    """Roll ``run`` back to generation 1's self-play having finished (all but the newest
    ``drop_shards`` shards written) and the run killed before it logged the games."""
    entries = [e for e in RunFolder(run).entries()]
    keep = entries[:next(i for i, e in enumerate(entries) if e["phase"] == "selfplay")]
    (run / "metrics.jsonl").write_text("".join(json.dumps(e) + "\n" for e in keep))
    for path in (run / "models").glob("gen0001*"):
        path.unlink()
    (run / "best.json").unlink(missing_ok=True)
    for path in sorted((run / "shards").glob("gen0001-*.npz"))[::-1][:drop_shards]:
        path.unlink()


@pytest.mark.parametrize("drop_shards", [0, 1])
def test_a_resumed_generation_logs_all_its_games_once(tmp_path, drop_shards):
    cfg = load_config(ROOT / "configs" / "zero_tiny.toml", generations=1, parallel_games=2)
    run_zero(cfg, tmp_path)
    first, = [e for e in RunFolder(tmp_path).entries() if e["phase"] == "selfplay"]
    killed_after_self_play(tmp_path, drop_shards)
    run_zero(cfg, tmp_path)
    entry, = [e for e in RunFolder(tmp_path).entries() if e["phase"] == "selfplay"]
    assert entry["games"] == 4 and entry["resumed_games"] == 4 - 2 * drop_shards
    if drop_shards == 0:  # nothing played now: the figures are the first session's games'
        assert {k: entry[k] for k in ("moves", "positions", "black_wins")} == \
            {k: first[k] for k in ("moves", "positions", "black_wins")}
        assert entry["games_per_hour"] is None and entry["positions_per_second"] is None
    else:
        assert entry["games_per_hour"] > 0
    assert entry["positions"] == sum(len(read_shard(p)[2])
                                     for p in (tmp_path / "shards").glob("gen0001-*.npz"))


def test_unknown_config_keys_are_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("board_size = 9\nvisits_per_move = 3\n")
    with pytest.raises(ValueError, match="visits_per_move"):
        load_config(bad)
    assert isinstance(load_config(None), ZeroConfig)


def test_a_run_can_start_from_another_runs_net(tmp_path):
    first = tmp_path / "first"
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=1), first)
    source = RunFolder(first).model_path(1)
    second = tmp_path / "second"
    cfg = load_config(ROOT / "configs" / "zero_tiny.toml", generations=0,
                      init_model=str(source), ownership_weight=1.5)
    run_zero(cfg, second)
    start = load_model(RunFolder(second).model_path(0))
    trained = load_model(source)
    assert start.ownership_head is not None and trained.ownership_head is None
    mine = start.state_dict()
    assert all(torch.equal(mine[name], tensor) for name, tensor in trained.state_dict().items())
    other = load_config(ROOT / "configs" / "zero_tiny.toml", generations=0,
                        init_model=str(source), board_size=7)
    with pytest.raises(ValueError, match="init_model .*board_size 5"):
        run_zero(other, tmp_path / "third")


def test_a_missing_init_model_is_refused_before_the_folder_is_written(tmp_path, capsys):
    from dosaku.cli.main import main

    run = tmp_path / "run"
    code = main(["zero", "run", "--config", str(ROOT / "configs" / "zero_tiny.toml"),
                 "--run-dir", str(run), "--init-model", str(tmp_path / "nope.safetensors"),
                 "--generations", "0"])
    assert code == 2
    assert "nope.safetensors" in capsys.readouterr().err
    assert not (run / "config.json").exists()  # the corrected command starts cleanly


def test_a_new_net_is_bootstrapped_on_another_runs_games(tmp_path):
    first = tmp_path / "first"
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=1), first)
    second = tmp_path / "second"
    cfg = load_config(ROOT / "configs" / "zero_tiny.toml", generations=0, model="resnet_b2c16",
                      init_data=str(first), init_steps=5)
    run_zero(cfg, second)
    folder = RunFolder(second)
    boot, = [e for e in folder.entries() if e["phase"] == "train" and e["generation"] == 0]
    assert boot["steps"] == 5 and boot["window_games"] == TINY.games_per_generation
    assert folder.optimizer_path(0).exists()  # generation 1 goes on with its momentum
    run_zero(dataclasses.replace(cfg, generations=1), second)
    gen1, = [e for e in folder.entries() if e["phase"] == "train" and e["generation"] == 1]
    # the window: this run's 4 games topped up with the first run's 4
    assert gen1["window_games"] == 2 * TINY.games_per_generation
    assert load_model(folder.model_path(1)).config.channels == 16


def test_init_data_last_keeps_the_other_runs_later_games_out(tmp_path):
    first = tmp_path / "first"
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=2), first)
    assert {shard_generation(p) for p in shard_paths(first / "shards")} == {1, 2}
    window = ReplayWindow.load(tmp_path / "none", 100, first / "shards", older_last=1)
    assert window.games == TINY.games_per_generation  # generation 1's games, not 2's
    assert ReplayWindow.load(tmp_path / "none", 100, first / "shards").games == \
        2 * TINY.games_per_generation
    cfg = load_config(ROOT / "configs" / "zero_tiny.toml", generations=1,
                      init_data=str(first), init_data_last=1)
    run_zero(cfg, tmp_path / "second")
    gen1, = [e for e in RunFolder(tmp_path / "second").entries()
             if e["phase"] == "train" and e["generation"] == 1]
    assert gen1["window_games"] == 2 * TINY.games_per_generation  # own 4 + first's gen-1 4
    with pytest.raises(ValueError, match="init_data_last -1: a generation"):
        run_zero(dataclasses.replace(cfg, init_data_last=-1), tmp_path / "third")


def test_bad_init_data_is_refused_before_the_folder_is_written(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    cfg = load_config(ROOT / "configs" / "zero_tiny.toml", init_data=str(empty), init_steps=5)
    with pytest.raises(ValueError, match="no self-play shards"):
        run_zero(cfg, tmp_path / "run")
    with pytest.raises(ValueError, match="init_steps needs init_data"):
        run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", init_steps=5),
                 tmp_path / "run")
    with pytest.raises(ValueError, match="init_data_last needs init_data"):
        run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", init_data_last=3),
                 tmp_path / "run")
    first = tmp_path / "first"
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=1), first)
    other_board = load_config(ROOT / "configs" / "zero_tiny.toml", board_size=7,
                              init_data=str(first))
    with pytest.raises(ValueError, match="planes of shape"):
        run_zero(other_board, tmp_path / "run")
    assert not (tmp_path / "run" / "config.json").exists()


def test_value_calibration_compares_values_with_outcomes():
    from dosaku.train.zero.selfplay import value_calibration

    # a net that says +0.6 where 80% are won and -0.6 where 20% are: calibrated
    values = np.array([0.6] * 10 + [-0.6] * 10)
    outcomes = np.array([1] * 8 + [-1] * 2 + [1] * 2 + [-1] * 8)
    fit = value_calibration(values, outcomes)
    assert fit["calibration_error"] == pytest.approx(0.0)
    assert fit["mse"] == pytest.approx(np.mean((values - outcomes) ** 2))
    assert [row[1] for row in fit["table"]] == [10, 10]
    # the same outcomes rated ±0.99: overconfident by 0.39 on average
    sure = value_calibration(np.sign(values) * 0.99, outcomes)
    assert sure["calibration_error"] == pytest.approx(0.39)
    assert value_calibration(np.array([]), np.array([]))["positions"] == 0


def test_self_play_logs_the_value_heads_calibration_on_fresh_games(tmp_path):
    games = records()
    for g in games:
        assert g.net_value.shape == g.value.shape and np.all(np.abs(g.net_value) <= 1.0)
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=1), tmp_path)
    entry, = [e for e in RunFolder(tmp_path).entries() if e["phase"] == "selfplay"]
    assert 0.0 <= entry["value_mse_fresh"] <= 4.0
    assert 0.0 <= entry["value_calibration_error"] <= 2.0
    assert sum(row[1] for row in entry["value_calibration"]) == entry["positions"]
    # and the search's root value against the same outcomes, as the shards hold them
    shards = [read_shard(p) for p in sorted((tmp_path / "shards").glob("*.npz"))]
    z = np.concatenate([s[2] for s in shards]).astype(np.float64)
    q = np.concatenate([s[5] for s in shards]).astype(np.float64)
    assert entry["search_value_mse_fresh"] == pytest.approx(np.mean((q - z) ** 2), abs=1e-3)


def test_device_is_checked_and_may_change_on_resume(tmp_path):
    with pytest.raises(ValueError, match="device must be one of auto, cpu, cuda"):
        load_config(ROOT / "configs" / "zero_tiny.toml", device="gpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", device="cuda"),
                     tmp_path / "nothing")
        assert not (tmp_path / "nothing").exists()  # refused before the folder is written
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=1, device="cpu"),
             tmp_path)
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=2), tmp_path)
    assert RunFolder(tmp_path).latest_generation() == 2


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_generation_on_the_gpu_trains_plays_and_resumes_on_the_cpu(tmp_path):
    torch.manual_seed(0)
    model = create_model("resnet_b1c8", board_size=5)
    write_shard(tmp_path / "gen0001-0000.npz", records())
    batch = ReplayWindow.load(tmp_path, 10).sample(16, np.random.default_rng(0))
    trainer = Trainer(model, dataclasses.replace(TINY, device="cuda", train_precision="bf16"))
    first = trainer.step(*batch)["loss"]
    for _ in range(60):
        last = trainer.step(*batch)["loss"]
    assert last < first and next(model.parameters()).is_cuda
    run = tmp_path / "run"
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=1, device="cuda"),
             run)
    run_zero(load_config(ROOT / "configs" / "zero_tiny.toml", generations=2, device="cpu"),
             run)
    assert RunFolder(run).latest_generation() == 2


@pytest.mark.parametrize("preset", sorted((ROOT / "configs").glob("zero_*.toml")),
                         ids=lambda p: p.name)
def test_every_zero_preset_loads_and_its_starting_points_are_in_the_repository(preset):
    """A preset names only real fields with valid values, and the net and games it starts
    from (``init_model``, ``init_data``) ship with the repository, so its command works from a
    fresh clone."""
    cfg = load_config(preset)
    if cfg.init_model:
        assert (ROOT / cfg.init_model).is_file(), cfg.init_model
    if cfg.init_data:
        assert shard_paths(ROOT / cfg.init_data / "shards", last=cfg.init_data_last or None), \
            (cfg.init_data, cfg.init_data_last)


def test_zero_run_help_lists_every_config_field_as_an_override(capsys):
    """The preset's fields are command-line overrides (how a run goes on past its preset's
    generations, or drops its learning rate); ``--help`` must show them, with defaults."""
    from dosaku.cli.main import main
    from dosaku.train.zero.config import ZeroConfig

    with pytest.raises(SystemExit):
        main(["zero", "run", "--help"])
    shown = capsys.readouterr().out
    for f in dataclasses.fields(ZeroConfig):
        assert f"--{f.name.replace('_', '-')}" in shown
    assert "built-in default: 0.25" in shown  # noise_fraction's
