"""KataGo's auxiliary ownership head (Wu 2019, section 4.1): a training-only output that
leaves ``forward``, old checkpoints and old configs exactly as they were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from dosaku.nets import (CheckpointError, ConfigError, ModelConfig, NetOutput, create_model,
                         load_model, read_header, save_model)
from dosaku.nets.checkpoint import METADATA_KEY

torch.set_num_threads(1)


def planes(config: ModelConfig, batch: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    n = config.board_size
    return (torch.rand(batch, config.in_planes, n, n, generator=g) < 0.3).float()


@pytest.mark.parametrize("name", ["resnet_b2c8", "mobilenet_b2c8", "densenet_b1k4",
                                  "transformer_b1c8"])
def test_forward_is_unchanged_and_ownership_is_a_board_in_minus_one_one(name: str):
    torch.manual_seed(0)
    model = create_model(name, board_size=7, ownership=True, attention_heads=2).eval()
    x = planes(model.config, 3)
    with torch.no_grad():
        out = model(x)
        both, ownership = model.forward_with_ownership(x)
    assert isinstance(out, NetOutput) and len(out) == 2
    policy, value = out  # every existing caller unpacks two
    assert torch.equal(policy, both.policy) and torch.equal(value, both.value)
    assert ownership.shape == (3, 7, 7) and (ownership.abs() <= 1).all()


def test_a_net_without_the_head_has_no_ownership_weights_and_refuses_the_call():
    model = create_model("resnet_b1c8", board_size=5)
    assert model.ownership_head is None
    assert not any(k.startswith("ownership_head") for k in model.state_dict())
    with pytest.raises(ValueError, match="no ownership head"):
        model.forward_with_ownership(planes(model.config, 1))


@pytest.mark.parametrize("overrides", [dict(head="policy"), dict(head="value"),
                                       dict(family="alphago", encoder="alphago48"),
                                       dict(ownership=1)])
def test_ownership_needs_a_dual_non_alphago_net(overrides: dict):
    with pytest.raises(ConfigError) as error:
        ModelConfig(**{"ownership": True, **overrides})
    assert error.value.field == "ownership" and "ownership" in str(error.value)


def test_the_ownership_head_overfits_a_tiny_batch():
    """Four positions, random owners (+1, -1 and dame 0) on every point: learned in 150
    steps, through the trunk and the head together, while policy and value train too."""
    torch.manual_seed(1)
    model = create_model("resnet_b2c16", board_size=5, ownership=True).train()
    x = planes(model.config, 4, seed=2)
    g = torch.Generator().manual_seed(3)
    owners = torch.randint(-1, 2, (4, 5, 5), generator=g).float()
    moves, outcomes = torch.tensor([3, 11, 25, 17]), torch.tensor([1.0, -1.0, -1.0, 1.0])
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(150):
        out, ownership = model.forward_with_ownership(x)
        loss = (F.cross_entropy(out.policy, moves) + F.mse_loss(out.value, outcomes)
                + 1.5 * F.mse_loss(ownership, owners))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    _, ownership = model.forward_with_ownership(x)
    assert F.mse_loss(ownership, owners) < 0.05
    assert torch.equal(ownership.round(), owners)


def rewrite(path: Path, out: Path, edit) -> Path:
    """A copy of checkpoint ``path`` with its header passed through ``edit``."""
    header = read_header(path)
    edit(header)
    save_file(load_file(str(path)), str(out), metadata={METADATA_KEY: json.dumps(header)})
    return out


def test_a_checkpoint_written_before_the_field_existed_loads(tmp_path: Path):
    torch.manual_seed(0)
    model = create_model("resnet_b1c8", board_size=5).eval()
    saved = save_model(model, tmp_path / "net.safetensors")
    old = rewrite(saved, tmp_path / "old.safetensors", lambda h: h["model"].pop("ownership"))
    assert "ownership" not in read_header(old)["model"]
    loaded = load_model(old)
    assert loaded.config == model.config and loaded.ownership_head is None
    x = planes(model.config, 2)
    with torch.no_grad():
        assert torch.equal(loaded(x).policy, model(x).policy)
    assert ModelConfig.from_dict({"family": "resnet", "blocks": 1}).ownership is False


def test_an_ownership_checkpoint_round_trips_and_its_header_decides(tmp_path: Path):
    torch.manual_seed(0)
    model = create_model("resnet_b1c8", board_size=5, ownership=True).eval()
    saved = save_model(model, tmp_path / "own.safetensors")
    assert read_header(saved)["model"]["ownership"] is True
    loaded = load_model(saved)
    x = planes(model.config, 2)
    with torch.no_grad():
        assert torch.equal(loaded.forward_with_ownership(x)[1],
                           model.forward_with_ownership(x)[1])
    stripped = rewrite(saved, tmp_path / "no.safetensors",
                       lambda h: h["model"].update(ownership=False))
    with pytest.raises(CheckpointError, match="unexpected \\['ownership_head"):
        load_model(stripped)
