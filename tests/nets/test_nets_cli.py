"""``dosaku nets list`` / ``show`` and the cost counting behind them."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from dosaku.cli.main import main
from dosaku.nets import create_model, save_model
from dosaku.nets.profile import human, multiply_adds, parameter_count

torch.set_num_threads(1)


def test_multiply_adds_of_a_resnet_by_hand():
    n, c = 5, 8
    model = create_model("resnet_b1c8", board_size=n)
    convs = 17 * c * 9 + 2 * c * c * 9  # stem, then the block's two 3x3 convolutions
    heads = 2 * c + 1 * c  # the heads' 1x1 convolutions (policy 2 filters, value 1)
    per_point = convs + heads
    fc = (2 * n * n) * (n * n + 1) + (n * n) * 256 + 256
    assert multiply_adds(model) == n * n * per_point + fc


def test_attention_is_counted():
    small = create_model("transformer_b1c16", board_size=5, attention_heads=2)
    big = create_model("transformer_b1c16", board_size=9, attention_heads=2)
    linear = {5: 25, 9: 81}
    attention = {n: 2 * (n * n) ** 2 * 16 for n in (5, 9)}  # QK^T and AV per block
    per_token = 17 * 16 + 4 * 16 * 16 + 2 * 4 * 16 * 16  # embed, qkv + out, the MLP
    for model, n in ((small, 5), (big, 9)):
        trunk = linear[n] * per_token + attention[n]
        assert multiply_adds(model) > trunk  # heads come on top
        assert multiply_adds(model) - trunk < 3 * n ** 4 + 4 * 256 * n * n


def test_parameter_count_and_human():
    assert parameter_count(nn.Linear(3, 2)) == 8
    assert human(1234567) == "1.23M" and human(987) == "987" and human(2.5e9) == "2.5G"


def test_nets_list_without_timing(capsys):
    assert main(["nets", "list", "--no-speed", "--sizes", "5", "9",
                 "--models", "resnet_b1c8", "mobilenet_b1c8"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "| model | params 9x9 | MACs/pos 5x5 | MACs/pos 9x9 |"
    assert lines[2].startswith("| `resnet_b1c8` |") and len(lines) == 4


def test_nets_list_with_timing(capsys):
    assert main(["nets", "list", "--sizes", "5", "--batches", "1", "2", "--seconds", "0",
                 "--models", "resnet_b1c8"]) == 0
    row = capsys.readouterr().out.strip().splitlines()[-1].split("|")
    assert float(row[-2].replace(",", "")) > 0 and float(row[-3].replace(",", "")) > 0


def test_nets_show(tmp_path: Path, capsys):
    path = save_model(create_model("resnet_b1c8", board_size=5), tmp_path / "m.safetensors")
    assert main(["nets", "show", str(path)]) == 0
    header = json.loads(capsys.readouterr().out)
    assert header["model"]["channels"] == 8 and header["encoder"] == "agz17"
    assert main(["nets", "show", str(tmp_path / "absent")]) == 1
    assert "file: not a safetensors file" in capsys.readouterr().err
