"""Every registered model: output shapes on 9/13/19, finite gradients, a tiny batch it can
overfit, and the registry's names and configs. Full-size presets are only run forward;
training checks use the same families and heads shrunk to a few thin layers."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from dosaku.features import ENCODERS
from dosaku.nets import PRESETS, ConfigError, ModelConfig, create_model, model_config
from dosaku.nets.config import ENCODER_PLANES

torch.set_num_threads(1)
NAMES = list(PRESETS)


def tiny(name: str, **overrides) -> ModelConfig:
    """The preset shrunk: 3 blocks (layers for alphago) of 16 channels, small heads."""
    config = model_config(name, blocks=3, channels=16, growth=8, dense_layers=2,
                          value_hidden=16, attention_heads=2)
    return config.replace(**overrides)


def planes(config: ModelConfig, batch: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    n = config.board_size
    return (torch.rand(batch, config.in_planes, n, n, generator=g) < 0.3).float()


def test_encoder_table_matches_the_features_registry():
    assert ENCODER_PLANES == {name: e.planes for name, e in ENCODERS.items()}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", [9, 13, 19])
def test_output_shapes(name: str, n: int):
    model = create_model(name, board_size=n).eval()
    with torch.no_grad():
        policy, value = model(planes(model.config, 2))
    head = model.config.head
    assert (policy is not None) == (head in ("policy", "dual"))
    assert (value is not None) == (head in ("value", "dual"))
    if policy is not None:
        assert policy.shape == (2, n * n + 1) and torch.isfinite(policy).all()
    if value is not None:
        assert value.shape == (2,) and (value.abs() <= 1).all()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("head", ["policy", "value", "dual"])
def test_gradients_are_finite_and_reach_every_parameter(name: str, head: str):
    torch.manual_seed(0)
    model = create_model(tiny(name, head=head, board_size=7)).train()
    policy, value = model(planes(model.config, 4))
    loss = sum(t.square().mean() for t in (policy, value) if t is not None)
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, f"{pname} gets no gradient"
        assert torch.isfinite(p.grad).all(), f"{pname} has a non-finite gradient"


def test_alphago_value_head_keeps_a_gradient_when_its_projection_is_negative_everywhere():
    """The one-filter 1x1 convolution has no rectifier: the first value nets trained with one
    sat at v = constant (MSE 1.000) because that single channel was negative on every point,
    so nothing below the fully connected layers ever learned again."""
    torch.manual_seed(0)
    model = create_model(tiny("alphago_value", board_size=7)).train()
    with torch.no_grad():
        model.value_head.conv[0].bias.fill_(-100.0)
    model(planes(model.config, 4)).value.square().mean().backward()
    trunk_grad = sum(p.grad.abs().sum() for p in model.backbone.parameters())
    assert trunk_grad > 0, "no gradient reaches the trunk through the value head"


# presets that shrink to the same tiny net (resnet_b6c64 and resnet_b20c256, ...) train once
OVERFIT = {tiny(name, head="dual", board_size=5): name for name in reversed(NAMES)}


@pytest.mark.parametrize("config", list(OVERFIT), ids=list(OVERFIT.values()))
def test_a_tiny_batch_can_be_overfit(config: ModelConfig):
    """Four positions, random target moves and outcomes: learned exactly in 150 steps."""
    torch.manual_seed(1)
    model = create_model(config).train()
    x = planes(config, 4, seed=2)
    moves = torch.tensor([3, 11, 25, 17])  # 25 is the pass
    outcomes = torch.tensor([1.0, -1.0, -1.0, 1.0])
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(150):
        policy, value = model(x)
        loss = F.cross_entropy(policy, moves) + F.mse_loss(value, outcomes)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    policy, value = model(x)
    assert (policy.argmax(1) == moves).all()
    assert F.mse_loss(value, outcomes) < 0.05


@pytest.mark.parametrize("n", [5, 9, 19])
def test_any_board_size_builds(n: int):
    for family in ("resnet", "mobilenet", "densenet", "transformer", "alphago"):
        model = create_model(ModelConfig(family, 2, 8, growth=4, value_hidden=8,
                                         attention_heads=2, board_size=n)).eval()
        with torch.no_grad():
            policy, value = model(planes(model.config, 1))
        assert policy.shape == (1, n * n + 1) and value.shape == (1,)


def test_resnet_options():
    plain = create_model("resnet_b2c16", board_size=9)
    fancy = create_model("resnet_b2c16", board_size=9, se_ratio=4, global_pool=True)
    extra = sum(p.numel() for p in fancy.parameters()) - sum(p.numel()
                                                               for p in plain.parameters())
    se = 2 * (16 * 4 + 4 + 4 * 16 + 16)  # two blocks of squeeze 16->4, excite 4->16
    pool = 2 * (32 * 16 + 16)  # two blocks of mean+max (32) -> bias (16)
    assert extra == se + pool


def test_names():
    assert model_config("resnet_b3c32") == ModelConfig("resnet", 3, 32)
    assert model_config("densenet_b2k16").growth == 16
    assert model_config("transformer_b2c64", head="value").head == "value"
    assert PRESETS["alphago_policy"].in_planes == 48 and PRESETS["alphago_value"].in_planes == 49
    for bad in ("resnet", "resnet_b3k32", "densenet_b2c16", "lenet_b1c1", "resnet_b6c64x"):
        with pytest.raises(ValueError, match="unknown model"):
            model_config(bad)


@pytest.mark.parametrize("field,value", [
    ("family", "vgg"), ("head", "both"), ("encoder", "agz18"), ("board_size", 26),
    ("channels", 0), ("blocks", 2.5), ("global_pool", 1), ("se_ratio", -1),
])
def test_bad_configs_name_their_field(field: str, value):
    with pytest.raises(ConfigError) as error:
        ModelConfig().replace(**{field: value})
    assert error.value.field == field and field in str(error.value)


def test_unknown_override_names_itself():
    with pytest.raises(ConfigError, match="filters: unknown model config field"):
        model_config("resnet_b6c64", filters=3)
    with pytest.raises(ConfigError, match="attention_heads"):
        model_config("transformer_b2c30")  # 4 heads do not divide 30


def test_input_shape_is_checked():
    model = create_model("resnet_b1c8", board_size=9)
    with pytest.raises(ValueError, match=r"agz17 on 9x9 takes \(B, 17, 9, 9\)"):
        model(torch.zeros(1, 17, 19, 19))
