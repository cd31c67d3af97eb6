"""The alphago player built from a model directory (``model_dir=`` / ``dosaku gtp
--model-dir``): the files it finds fill the options the spec leaves out."""

from __future__ import annotations

import pytest
import torch

from dosaku.agents.spec import build_agent, parse_spec, search_options, with_model_dir
from dosaku.nets import create_model, save_model
from dosaku.rules.game import GameState

torch.set_num_threads(1)


def test_a_model_dir_supplies_policy_and_value(tmp_path):
    for head, encoder, name in (("policy", "alphago48", "policy"),
                                ("value", "alphago49", "value")):
        model = create_model(f"alphago_{head}", blocks=2, channels=4, encoder=encoder,
                             head=head, board_size=5)
        save_model(model, tmp_path / f"{name}.safetensors")
    spec = parse_spec(with_model_dir("alphago:visits=4,batch=2", tmp_path))
    values = search_options(spec)
    assert values["policy"] == tmp_path / "policy.safetensors"
    assert values["value"] == tmp_path / "value.safetensors"
    agent = build_agent(spec, seed=0)
    assert agent.board_size == 5
    state = GameState(5)
    assert state.is_legal(agent.select_move(state))
    other = tmp_path / "other.safetensors"
    (tmp_path / "value.safetensors").rename(other)
    explicit = search_options(parse_spec(f"alphago:model_dir={tmp_path},value={other}"))
    assert explicit["value"] == other  # a file named in the spec wins


def test_a_model_dir_must_hold_a_model(tmp_path):
    with pytest.raises(ValueError, match="holds none"):
        parse_spec(f"alphago:model_dir={tmp_path},lambda=1")
    with pytest.raises(ValueError, match="no such directory"):
        parse_spec(f"alphago:model_dir={tmp_path / 'missing'},lambda=1")
    with pytest.raises(ValueError, match="alphago players"):
        with_model_dir("mcts:time=1", tmp_path)
