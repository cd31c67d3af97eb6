"""The 9×9 AlphaGo Zero model shipped in the package (card: models/README.md)."""

from pathlib import Path

import torch

from dosaku.agents.spec import build_agent
from dosaku.models import builtin_model_path
from dosaku.nets import load_model
from dosaku.rules.game import GameState

ROOT = Path(__file__).resolve().parents[2]


def test_the_builtin_model_loads_and_plays():
    torch.set_num_threads(1)
    path = builtin_model_path(9)
    assert path is not None and path.name == "zero_9x9.safetensors"
    net = load_model(path)
    assert (net.config.board_size, net.config.head, net.config.encoder) == (9, "dual", "agz17")
    agent = build_agent("zero:visits=8", seed=0)  # no model=: the built-in one
    state = GameState(9)
    assert state.is_legal(agent.select_move(state))
    assert builtin_model_path(13) is None


def test_the_builtin_model_runs_int8_out_of_the_box():
    """Its calibration planes ship beside it, so int8 needs no `dosaku quantize` first."""
    torch.set_num_threads(1)
    assert builtin_model_path(9).with_name("zero_9x9.calibration.npz").is_file()
    agent = build_agent("zero:visits=8,precision=int8", seed=0)
    state = GameState(9)
    assert state.is_legal(agent.select_move(state))


def test_the_model_card_names_the_shipped_file():
    card = (ROOT / "models" / "README.md").read_text()
    assert "zero_9x9.safetensors" in card and "dosaku zero run" in card


def test_the_builtin_alphago_nets_load_and_play_19x19():
    from dosaku.features.rollout import load_rollout_weights
    from dosaku.models import builtin_alphago_dir

    torch.set_num_threads(1)
    folder = builtin_alphago_dir()
    assert folder is not None
    policy, value = (load_model(folder / f"{k}.safetensors") for k in ("policy", "value"))
    assert (policy.config.board_size, policy.config.encoder, policy.config.head) == \
        (19, "alphago48", "policy")
    assert (value.config.board_size, value.config.encoder, value.config.head) == \
        (19, "alphago49", "value")
    load_rollout_weights(folder / "rollout.safetensors")
    agent = build_agent("alphago:visits=4", seed=0)  # no model file named: the built-in nets
    assert agent.board_size == 19
    state = GameState(19)
    assert state.is_legal(agent.select_move(state))
    card = (ROOT / "models" / "README.md").read_text()
    assert all(name in card for name in ("policy.safetensors", "value.safetensors",
                                         "rollout.safetensors", "yenw/computer-go-dataset"))
