"""device/pack_run.py: a run's newest checkpoint packed small enough for a lent GPU machine
(optimizer moments in bf16) resumes where it stopped, with its step counter exact."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
from safetensors import safe_open

from dosaku.train.alphago.run_folder import RunFolder
from dosaku.train.alphago.sl import run_sl

from .test_train_alphago_sl import tiny, write_games

ROOT = Path(__file__).resolve().parents[2]


def load_pack_run():
    spec = importlib.util.spec_from_file_location("pack_run", ROOT / "device" / "pack_run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_packed_run_halves_the_moments_and_resumes(tmp_path):
    write_games(tmp_path / "g.sgf.gz")
    run_dir, packed = tmp_path / "run", tmp_path / "packed"
    run_sl(tiny(tmp_path / "g.sgf.gz"), run_dir)  # steps 2 and 4 kept
    target = load_pack_run().pack(run_dir, packed)
    assert target.name == "step00000004.optimizer.safetensors"
    assert sorted(p.name for p in (packed / "checkpoints").iterdir()) == [
        "step00000004.optimizer.safetensors", "step00000004.safetensors"]
    original = run_dir / "checkpoints" / target.name
    with safe_open(str(target), framework="pt") as small, \
            safe_open(str(original), framework="pt") as full:
        assert small.metadata() == full.metadata()
        for key in full.keys():
            a, b = full.get_tensor(key), small.get_tensor(key)
            if a.dim() == 0:
                assert b.dtype == a.dtype and torch.equal(a, b)  # step counters exact
            else:
                assert b.dtype == torch.bfloat16
                assert torch.allclose(b.float(), a, rtol=1e-2, atol=1e-12)
    assert target.stat().st_size < 0.75 * original.stat().st_size

    resumed = run_sl(tiny(tmp_path / "g.sgf.gz", steps=6), packed)
    with pytest.raises(SystemExit, match="would replace the run"):
        load_pack_run().pack(run_dir, tmp_path)  # never deletes the run it packs
    assert (run_dir / "checkpoints" / target.name).is_file()
    folder = RunFolder(packed)
    assert resumed["step"] == 6 and folder.steps() == [4, 6]
    assert [e["step"] for e in folder.entries()] == [2, 4, 6]  # its log travelled too
