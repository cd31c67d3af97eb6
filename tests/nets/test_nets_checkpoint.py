"""Checkpoints: save -> load gives the same outputs for every registered model, and every way
a file can be wrong is reported with the field that is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from dosaku.nets import (PRESETS, CheckpointError, create_model, load_model, read_header,
                         save_model)
from dosaku.nets.checkpoint import FORMAT_VERSION, METADATA_KEY

torch.set_num_threads(1)


@pytest.mark.parametrize("name", list(PRESETS))
def test_save_load_gives_identical_outputs(name: str, tmp_path: Path):
    torch.manual_seed(0)
    model = create_model(name, board_size=9)
    with torch.no_grad():  # move BN statistics off their defaults, so they must be saved too
        model.train()(torch.rand(4, model.config.in_planes, 9, 9))
    model.eval()
    path = save_model(model, tmp_path / f"{name}.safetensors", provenance={"steps": 12})
    loaded = load_model(path)
    assert loaded.config == model.config and not loaded.training
    x = torch.rand(3, model.config.in_planes, 9, 9)
    with torch.no_grad():
        for a, b in zip(model(x), loaded(x)):
            assert (a is None and b is None) or torch.equal(a, b)
    header = read_header(path)
    assert header["encoder"] == model.config.encoder and header["board_size"] == 9
    assert header["provenance"]["steps"] == 12 and "dosaku_version" in header["provenance"]


def rewrite(path: Path, out: Path, edit=None, tensors=None) -> Path:
    """A copy of checkpoint ``path`` with its header passed through ``edit``."""
    header = read_header(path)
    if edit:
        edit(header)
    weights = load_file(str(path)) if tensors is None else tensors
    save_file(weights, str(out), metadata={METADATA_KEY: json.dumps(header)})
    return out


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return save_model(create_model("resnet_b1c8", board_size=9), tmp_path / "net.safetensors")


def field_of(path: Path) -> str:
    with pytest.raises(CheckpointError) as error:
        load_model(path)
    return error.value.field


def test_newer_format_version(saved: Path, tmp_path: Path):
    newer = rewrite(saved, tmp_path / "newer.safetensors",
                    lambda h: h.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(CheckpointError, match="format_version: 2 is newer than this dosaku"):
        load_model(newer)


def test_unknown_encoder(saved: Path, tmp_path: Path):
    def edit(h):
        h["encoder"] = h["model"]["encoder"] = "agz33"
    assert field_of(rewrite(saved, tmp_path / "enc.safetensors", edit)) == "encoder"


def test_encoder_disagreeing_with_the_model(saved: Path, tmp_path: Path):
    bad = rewrite(saved, tmp_path / "enc2.safetensors", lambda h: h.update(encoder="alphago48"))
    assert field_of(bad) == "encoder"


def test_unknown_model_field(saved: Path, tmp_path: Path):
    bad = rewrite(saved, tmp_path / "f.safetensors", lambda h: h["model"].update(dropout=0.1))
    assert field_of(bad) == "model.dropout"


def test_invalid_model_value(saved: Path, tmp_path: Path):
    bad = rewrite(saved, tmp_path / "v.safetensors", lambda h: h["model"].update(family="vgg"))
    assert field_of(bad) == "model.family"


def test_wrong_shape_names_the_tensor(saved: Path, tmp_path: Path):
    def wider(h):  # the header says 16 channels, the weights have 8
        h["model"]["channels"] = 16
    bad = rewrite(saved, tmp_path / "shape.safetensors", wider)
    with pytest.raises(CheckpointError, match=r"weights\['backbone.stem.0.weight'\]: shape "
                                              r"\(8, 17, 3, 3\) in the file, \(16, 17, 3, 3\)"):
        load_model(bad)


def test_board_size_change_is_a_shape_error(saved: Path, tmp_path: Path):
    def bigger(h):
        h["board_size"] = h["model"]["board_size"] = 19
    assert field_of(rewrite(saved, tmp_path / "b.safetensors", bigger)).startswith("weights[")


def test_missing_tensors(saved: Path, tmp_path: Path):
    weights = load_file(str(saved))
    weights.pop("value_head.fc.0.weight")
    bad = rewrite(saved, tmp_path / "m.safetensors", tensors=weights)
    with pytest.raises(CheckpointError, match="weights: .*missing \\['value_head.fc.0.weight'"):
        load_model(bad)


def test_not_a_dosaku_checkpoint(tmp_path: Path):
    plain = tmp_path / "plain.safetensors"
    save_file({"w": torch.zeros(2)}, str(plain))
    assert field_of(plain) == "format"
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x80\x04not safetensors at all")
    assert field_of(junk) == "file"
    assert field_of(tmp_path / "absent.safetensors") == "file"


def test_nothing_is_ever_unpickled():
    import dosaku.nets
    sources = Path(dosaku.nets.__file__).parent.glob("*.py")
    for path in sources:
        text = path.read_text()
        assert "torch.load" not in text and "import pickle" not in text, path
