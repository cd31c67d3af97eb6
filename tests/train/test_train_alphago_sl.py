"""The SL policy run on tiny synthetic games: it learns, checkpoints atomically, resumes where
it stopped, and refuses to mix two configs in one folder."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from dosaku.io.sgf import write_sgf
from dosaku.nets import load_model
from dosaku.rules.game import GameState
from dosaku.train.alphago.config import SLConfig, load_config
from dosaku.train.alphago.run_folder import RunFolder, load_optimizer, save_optimizer
from dosaku.train.alphago.sl import build_model, build_optimizer, run_sl, train_step

torch.set_num_threads(1)  # a second thread only contends on a shared 2-core machine
ROOT = Path(__file__).resolve().parents[2]


def write_games(path: Path, count: int = 8, moves: int = 16) -> None:
    lines = []
    for i in range(count):
        rng = np.random.default_rng(i)
        state = GameState(19, 7.5)
        for _ in range(moves):
            legal = [m for m in state.legal_moves() if m != state.pass_move]
            state.play(int(rng.choice(legal)))
        lines.append(write_sgf(state, wrap=None, result="B+R"))
    with gzip.open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")


def tiny(path: Path, **overrides) -> SLConfig:
    # with 300 per mille, game 8 of g.sgf.gz (index 7) is the one held out
    values = dict(games=(str(path),), blocks=2, channels=8, batch_size=8, steps=4,
                  workers=0, game_buffer=2, position_buffer=8, positions_per_game=8,
                  holdout_per_mille=300, validation_games=2, validate_every=2,
                  checkpoint_every=2, keep_checkpoints=2)
    return SLConfig(**{**values, **overrides})


def test_presets_load_and_name_real_fields():
    cfg = load_config(SLConfig, ROOT / "configs" / "alphago_sl_small.toml")
    assert (cfg.blocks, cfg.channels, cfg.encoder) == (6, 64, "alphago48")
    model = build_model(cfg)
    assert model.config.in_planes == 48 and model.policy_head is not None
    with pytest.raises(ValueError, match="unknown SLConfig field"):
        load_config(SLConfig, None, layers=3)


def test_a_repeated_batch_is_learned():
    torch.manual_seed(0)
    cfg = SLConfig(blocks=2, channels=4)
    model, batch = build_model(cfg), {
        "planes": torch.randint(0, 2, (4, 48, 19, 19), dtype=torch.uint8),
        "moves": torch.randint(0, 361, (4,))}
    optimizer = build_optimizer(SLConfig(learning_rate=1e-2), model)
    first = train_step(model, optimizer, batch)["loss"]
    for _ in range(20):
        last = train_step(model, optimizer, batch)
    assert last["loss"] < first - 1.0


def test_optimizer_state_round_trips(tmp_path):
    cfg = SLConfig(blocks=2, channels=8)
    model = build_model(cfg)
    optimizer = build_optimizer(cfg, model)
    batch = {"planes": torch.ones(4, 48, 19, 19, dtype=torch.uint8),
             "moves": torch.tensor([1, 2, 3, 4])}
    train_step(model, optimizer, batch)
    save_optimizer(optimizer, tmp_path / "opt.safetensors")
    other = build_optimizer(cfg, model)
    load_optimizer(other, tmp_path / "opt.safetensors")
    a, b = optimizer.state_dict(), other.state_dict()
    assert a["param_groups"] == b["param_groups"]
    for index, values in a["state"].items():
        for name, value in values.items():
            assert torch.equal(torch.as_tensor(value), torch.as_tensor(b["state"][index][name]))
    with pytest.raises(ValueError, match="AdamW"):
        load_optimizer(build_optimizer(SLConfig(optimizer="sgd"), model),
                       tmp_path / "opt.safetensors")


def test_run_checkpoints_resumes_and_keeps_its_config(tmp_path):
    write_games(tmp_path / "g.sgf.gz")
    run_dir = tmp_path / "run"
    result = run_sl(tiny(tmp_path / "g.sgf.gz"), run_dir)
    assert result["step"] == 4 and result["positions"] > 0 and 0 <= result["top1"] <= 1
    assert result["positions_per_s"] > 0  # timed from the first batch on
    folder = RunFolder(run_dir)
    assert folder.steps() == [2, 4]
    assert not list(run_dir.rglob("*.tmp*"))
    model = load_model(run_dir / "model.safetensors")
    assert (model.config.blocks, model.config.channels) == (2, 8)
    from dosaku.nets import read_header
    provenance = read_header(run_dir / "model.safetensors")["provenance"]
    assert provenance["step"] == 4 and provenance["config"]["blocks"] == 2
    assert json.loads((run_dir / "config.json").read_text())["channels"] == 8

    resumed = run_sl(tiny(tmp_path / "g.sgf.gz", steps=6, learning_rate=5e-4,
                          lr_halve_every=100), run_dir)  # a longer run, a hand-set rate
    assert resumed["step"] == 6
    assert folder.steps() == [4, 6]  # keep_checkpoints = 2
    assert [e["step"] for e in folder.entries()] == [2, 4, 6]
    same = run_sl(tiny(tmp_path / "g.sgf.gz", steps=6), run_dir)  # nothing left to do
    assert same["step"] == 6 and len(folder.entries()) == 3
    with pytest.raises(ValueError, match="different config"):
        run_sl(tiny(tmp_path / "g.sgf.gz", channels=16), run_dir)


def test_max_minutes_stops_with_a_checkpoint_and_the_same_command_resumes(tmp_path):
    write_games(tmp_path / "g.sgf.gz")
    run_dir = tmp_path / "run"
    # a budget already spent when the first step ends: stop after one step
    stopped = run_sl(tiny(tmp_path / "g.sgf.gz", max_minutes=1e-9), run_dir)
    folder = RunFolder(run_dir)
    assert stopped["step"] == 1 and folder.steps() == [1]  # validated and checkpointed
    resumed = run_sl(tiny(tmp_path / "g.sgf.gz"), run_dir)  # a runtime field: may change
    assert resumed["step"] == 4 and folder.steps() == [2, 4]
    assert [e["step"] for e in folder.entries()] == [1, 2, 4]


def test_device_is_chosen_checked_and_may_change_on_resume(tmp_path):
    from dosaku.train.arithmetic import training_device

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert training_device("auto").type == expected
    assert training_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            training_device("cuda")
    with pytest.raises(ValueError, match="device must be one of auto, cpu, cuda"):
        SLConfig(device="gpu")
    write_games(tmp_path / "g.sgf.gz")
    run_sl(tiny(tmp_path / "g.sgf.gz", steps=2, device="auto"), tmp_path / "run")
    assert run_sl(tiny(tmp_path / "g.sgf.gz", device="cpu"), tmp_path / "run")["step"] == 4


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_run_on_the_gpu_learns_checkpoints_and_resumes_on_the_cpu(tmp_path):
    write_games(tmp_path / "g.sgf.gz")
    run_dir = tmp_path / "run"
    on_gpu = run_sl(tiny(tmp_path / "g.sgf.gz", device="cuda", train_precision="bf16"),
                    run_dir)
    assert on_gpu["step"] == 4
    assert load_model(run_dir / "model.safetensors").config.channels == 8  # loads on a CPU
    on_cpu = run_sl(tiny(tmp_path / "g.sgf.gz", steps=6, device="cpu"), run_dir)
    assert on_cpu["step"] == 6


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_repeated_batch_is_learned_on_the_gpu_in_bf16():
    from dosaku.train.arithmetic import place_model

    torch.manual_seed(0)
    model = place_model(build_model(SLConfig(blocks=2, channels=16)), torch.device("cuda"))
    batch = {"planes": torch.randint(0, 2, (4, 48, 19, 19), dtype=torch.uint8),
             "moves": torch.tensor([0, 60, 180, 361])}
    optimizer = build_optimizer(SLConfig(learning_rate=1e-2), model)
    first = train_step(model, optimizer, batch, "bf16")
    for _ in range(60):
        last = train_step(model, optimizer, batch, "bf16")
    assert last["loss"] < 0.1 * first["loss"] and last["top1"] == 1.0
