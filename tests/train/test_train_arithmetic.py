"""bf16 training steps (dosaku.train.arithmetic): same direction as fp32, learn a tiny batch,
keep fp32 weights, and a misspelt precision is refused before anything runs."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dosaku.nets import create_model
from dosaku.search.evaluator import UniformEvaluator
from dosaku.train.alphago import value
from dosaku.train.alphago.config import SLConfig, ValueConfig
from dosaku.train.alphago.sl import build_model, build_optimizer, train_step
from dosaku.train.arithmetic import check_train_precision, forward_arithmetic
from dosaku.train.zero.buffer import ReplayWindow, write_shard
from dosaku.train.zero.config import ZeroConfig, load_config
from dosaku.train.zero.selfplay import play_games
from dosaku.train.zero.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]
TINY = load_config(ROOT / "configs" / "zero_tiny.toml")


def test_a_misspelt_precision_is_refused_by_every_training_config():
    with pytest.raises(ValueError, match="train_precision must be one of fp32, bf16"):
        check_train_precision("fp16")
    for kind in (ZeroConfig, SLConfig, ValueConfig):
        with pytest.raises(ValueError, match="train_precision"):
            kind(train_precision="int8")
    # how fast, not what is learnt: a resumed Zero run may switch
    assert TINY.same_run(dataclasses.replace(TINY, train_precision="bf16"))


def first_conv_dtypes(model) -> list:
    """Records the dtype of every output of the model's first convolution."""
    seen = []
    conv = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))
    conv.register_forward_hook(lambda module, args, out: seen.append(out.dtype))
    return seen


def policy_gradient(model, planes, moves, precision):
    model.zero_grad(set_to_none=True)
    with forward_arithmetic(precision):
        logits = model(planes).policy
    F.cross_entropy(logits.float(), moves).backward()
    return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])


def test_a_bf16_gradient_points_where_the_fp32_one_does():
    torch.manual_seed(0)
    model = build_model(SLConfig(blocks=3, channels=16))
    planes = torch.randint(0, 2, (16, 48, 19, 19)).float()
    moves = torch.randint(0, 361, (16,))
    seen = first_conv_dtypes(model)
    fp32 = policy_gradient(model, planes, moves, "fp32")
    bf16 = policy_gradient(model, planes, moves, "bf16")
    assert seen == [torch.float32, torch.bfloat16]
    cosine = F.cosine_similarity(fp32, bf16, dim=0).item()
    assert 0.99 < cosine <= 1.0 + 1e-6
    # ... and a random direction would not
    assert abs(F.cosine_similarity(fp32, torch.randn_like(fp32), dim=0).item()) < 0.1


def test_sl_and_value_steps_learn_a_repeated_batch_in_bf16():
    torch.manual_seed(0)
    model = build_model(SLConfig(blocks=2, channels=8))
    batch = {"planes": torch.randint(0, 2, (4, 48, 19, 19), dtype=torch.uint8),
             "moves": torch.randint(0, 361, (4,))}
    optimizer = build_optimizer(SLConfig(learning_rate=1e-2), model)
    seen = first_conv_dtypes(model)
    first = train_step(model, optimizer, batch, "bf16")["loss"]
    assert seen == [torch.bfloat16]
    for _ in range(20):
        last = train_step(model, optimizer, batch, "bf16")["loss"]
    assert last < first - 1.0
    assert all(p.dtype == torch.float32 for p in model.parameters())

    net = create_model("alphago_value", blocks=2, channels=8, encoder="alphago49",
                       board_size=19)
    optimizer = build_optimizer(ValueConfig(learning_rate=1e-2), net)
    planes = torch.randint(0, 2, (4, 49, 19, 19)).float()
    z = torch.tensor([1.0, -1.0, 1.0, -1.0])
    seen = first_conv_dtypes(net)
    first = value.train_step(net, optimizer, planes, z, "bf16")
    assert seen == [torch.bfloat16]
    for _ in range(30):
        last = value.train_step(net, optimizer, planes, z, "bf16")
    assert last < first / 4


def test_the_zero_trainer_learns_a_repeated_batch_in_bf16(tmp_path):
    torch.manual_seed(0)
    cfg = dataclasses.replace(TINY, train_precision="bf16", ownership_weight=1.0)
    model = create_model("resnet_b1c8", board_size=5, ownership=True)
    records = []
    play_games(UniformEvaluator(), cfg, 3, 0, records.append)
    write_shard(tmp_path / "gen0001-0000.npz", records)
    batch = ReplayWindow.load(tmp_path, 10).sample(16, np.random.default_rng(0))
    trainer = Trainer(model, cfg)
    seen = first_conv_dtypes(model)
    first = trainer.step(*batch)
    assert seen == [torch.bfloat16]
    for _ in range(60):
        last = trainer.step(*batch)
    assert last["loss"] < first["loss"]
    assert np.isfinite([last[k] for k in ("policy_loss", "value_loss", "ownership_loss")]).all()
    assert all(p.dtype == torch.float32 for p in model.parameters())
