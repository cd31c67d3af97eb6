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
    folder = RunFolder(run_dir)
    assert folder.steps() == [2, 4]
    assert not list(run_dir.rglob("*.tmp*"))
    model = load_model(run_dir / "model.safetensors")
    assert (model.config.blocks, model.config.channels) == (2, 8)
    from dosaku.nets import read_header
    provenance = read_header(run_dir / "model.safetensors")["provenance"]
    assert provenance["step"] == 4 and provenance["config"]["blocks"] == 2
    assert json.loads((run_dir / "config.json").read_text())["channels"] == 8

    resumed = run_sl(tiny(tmp_path / "g.sgf.gz", steps=6), run_dir)  # a longer run continues
    assert resumed["step"] == 6
    assert folder.steps() == [4, 6]  # keep_checkpoints = 2
    assert [e["step"] for e in folder.entries()] == [2, 4, 6]
    same = run_sl(tiny(tmp_path / "g.sgf.gz", steps=6), run_dir)  # nothing left to do
    assert same["step"] == 6 and len(folder.entries()) == 3
    with pytest.raises(ValueError, match="different config"):
        run_sl(tiny(tmp_path / "g.sgf.gz", channels=16), run_dir)
