"""Fast inference on every backbone and head: bf16 / fp16 / int8 in torch, fp32 / int8 ONNX.

Tiny nets with random weights on 5x5, calibrated on random binary planes: the point is that
every family converts, keeps its output shapes and stays close to fp32, not the speed."""

import importlib
import json
from dataclasses import asdict

import numpy as np
import pytest
import torch

from dosaku.nets import create_model
from dosaku.nets.inference import (GATE, Agreement, GateRecord, OnnxRunner, TorchRunner,
                                   agreement, finetune_int8, quantize, read_record, sidecar,
                                   write_record)
from dosaku.nets.inference.gate import Candidate, cpu_info, machine, read_records
from dosaku.nets.inference.onnx_runtime import export_onnx, onnx_header

TINY = {
    "resnet": dict(name="resnet_b2c8"),
    "resnet+se+pool": dict(name="resnet_b2c8", se_ratio=2, global_pool=True),
    "mobilenet": dict(name="mobilenet_b2c8"),
    "densenet": dict(name="densenet_b1k4", channels=8, dense_layers=2),
    "transformer": dict(name="transformer_b1c8", attention_heads=2),
    "alphago_policy": dict(name="alphago_policy", blocks=3, channels=8),
    "alphago_value": dict(name="alphago_value", blocks=3, channels=8),
    "value-only": dict(name="resnet_b1c8", head="value"),
    "ownership": dict(name="resnet_b1c8", ownership=True),  # the head is training's only
}


def tiny(kind: str):
    torch.manual_seed(0)
    options = dict(TINY[kind])
    return create_model(options.pop("name"), board_size=5, **options).eval()


def planes(net, count: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, (count, net.config.in_planes, 5, 5), generator=g).float()


def close(net, fast, x, value_tolerance: float, logit_tolerance: float) -> None:
    with torch.inference_mode():
        ref, out = net(x), fast(x)
    for a, b, tolerance in ((ref.policy, out.policy, logit_tolerance),
                            (ref.value, out.value, value_tolerance)):
        assert (a is None) == (b is None)
        if a is not None:
            assert b.dtype == torch.float32 and b.shape == a.shape
            assert torch.allclose(a, b, atol=tolerance), float((a - b).abs().max())


@pytest.mark.parametrize("kind", list(TINY))
def test_every_family_converts_to_every_precision(kind):
    net = tiny(kind)
    x = planes(net, 16, seed=1)
    for precision, tolerance in (("fp32", 1e-5), ("bf16", 0.05), ("fp16", 0.01)):
        close(net, quantize(net, precision), x, tolerance, tolerance * 4)
    int8 = quantize(net, "int8", planes(net, 64, seed=2))
    assert int8.precision == "int8"
    close(net, int8, x, 0.05, 0.2)


def test_int8_really_holds_int8_weights():
    net = tiny("resnet")
    int8 = quantize(net, "int8", planes(net, 32, seed=2))
    kinds = {type(m).__module__ for m in int8.graph.modules()}
    assert any("quantized" in k for k in kinds), kinds


def test_int8_without_calibration_and_unknown_precision_are_refused():
    net = tiny("resnet")
    with pytest.raises(ValueError, match="calibration"):
        quantize(net, "int8")
    with pytest.raises(ValueError, match="precision"):
        quantize(net, "int4")


def test_quantized_net_checks_its_input_like_gonet():
    net = tiny("resnet")
    with pytest.raises(ValueError, match="planes"):
        quantize(net, "bf16")(torch.zeros(1, 17, 7, 7))


def test_quantization_aware_finetuning_moves_towards_fp32():
    net = tiny("resnet")
    x = planes(net, 128, seed=3)
    tuned = finetune_int8(net, x, steps=4, batch=16)
    assert tuned.precision == "int8"
    close(net, tuned, x[:8], 0.1, 0.5)


@pytest.mark.parametrize("kind", ["resnet+se+pool", "transformer", "alphago_policy",
                                  "value-only", "ownership"])
def test_onnx_export_says_what_torch_says(kind, tmp_path):
    net = tiny(kind)
    path = export_onnx(net, tmp_path / "net.onnx")
    config, precision = onnx_header(path)
    assert config == net.config and precision == "fp32"
    x = planes(net, 3, seed=4).numpy()  # another batch size than the export's example
    ref = TorchRunner(net).run(x)
    out = OnnxRunner(path).run(x)
    for a, b in zip(ref, out, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_int8_onnx_stays_close_and_needs_calibration(tmp_path):
    net = tiny("resnet")
    with pytest.raises(ValueError, match="calibration"):
        export_onnx(net, tmp_path / "x.onnx", "int8")
    with pytest.raises(ValueError, match="supports"):
        export_onnx(net, tmp_path / "x.onnx", "bf16")
    path = export_onnx(net, tmp_path / "int8.onnx", "int8", planes(net, 64, seed=2).numpy())
    assert onnx_header(path)[1] == "int8"
    x = planes(net, 8, seed=5).numpy()
    ref, out = TorchRunner(net).run(x), OnnxRunner(path).run(x)
    assert np.abs(ref[1] - out[1]).max() < 0.05
    assert np.abs(ref[0] - out[0]).max() < 0.2


def test_agreement_figures():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0]])
    values = np.array([0.5, -0.5])
    same = agreement((logits, values), (logits, values))
    assert same == Agreement(2, 1.0, pytest.approx(0.0, abs=1e-12), 0.0, 1.0)
    swapped = logits[:, [1, 0, 2]]  # first position's top move changes, second's too
    moved = agreement((logits, values), (swapped, values + 0.1))
    assert moved.top1 == 0.0 and moved.kl > 0.1 and moved.near_top1 == 0.0
    assert moved.value_mae == pytest.approx(0.1)
    assert same.passes() and not moved.passes()
    no_policy = agreement((None, values), (None, values + 0.01))
    assert np.isnan(no_policy.top1) and no_policy.passes()
    assert not agreement((None, values), (None, values + GATE.value_mae * 2)).passes()
    tied = np.array([[1.0, 1.0 - 1e-3, -5.0], [1.0, 0.5, -5.0]])  # priors 0.5 and 0.4995
    flipped = agreement((tied, None), (tied[:, [1, 0, 2]], None))
    assert flipped.top1 == 0.0 and flipped.near_top1 == 0.5  # only the near-tie is near


def candidate(backend, precision, passed, speed):
    return Candidate(backend, precision, Agreement(10, 1.0, 0.0, 0.0, 1.0), passed, speed)


def test_gate_record_picks_the_fastest_that_passed_on_this_machine(tmp_path):
    record = GateRecord("m", machine(), [
        candidate("torch", "fp32", True, {1: 100.0, 64: 1000.0}),
        candidate("onnxruntime", "int8", True, {1: 900.0, 64: 2000.0}),
        candidate("torch", "int8", True, {1: 300.0, 64: 9000.0}),
        candidate("torch", "bf16", False, {1: 5000.0, 64: 50000.0}),
    ], model_sha256="ab" * 32)
    path = write_record(record, tmp_path / "m.gate.json")
    again = read_record(path)
    assert again == record
    assert again.fastest(1, sha256="cd" * 32) is None  # other weights
    assert again.fastest(1, sha256="ab" * 32) is not None
    assert (again.fastest(1).backend, again.fastest(1).precision) == ("onnxruntime", "int8")
    assert again.fastest(48).precision == "int8" and again.fastest(48).backend == "torch"
    assert again.fastest(8, here={**machine(), "cpu": "another"}) is None
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="gate record"):
        read_record(tmp_path / "bad.json")


def test_a_gate_file_keeps_one_record_per_machine_of_the_same_weights(tmp_path):
    path = tmp_path / "m.gate.json"
    elsewhere = {**machine(), "isa": "avx2 fma"}  # same CPU name, fewer instruction sets
    there = GateRecord("m", elsewhere, [candidate("torch", "bf16", True, {8: 174.0})],
                       model_sha256="ab" * 32)
    here = GateRecord("m", machine(), [candidate("torch", "fp32", True, {8: 20.0})],
                      model_sha256="ab" * 32)
    write_record(there, path)
    assert read_record(path) is None  # nothing measured on this machine yet
    write_record(here, path)
    assert read_record(path) == here and read_record(path, here=elsewhere) == there
    assert read_records(path) == [there, here]
    write_record(here, path)  # measured again here: replaces, does not pile up
    assert read_records(path) == [there, here]
    retrained = GateRecord("m", machine(), here.candidates, model_sha256="cd" * 32)
    write_record(retrained, path)  # new weights: every older record is stale
    assert read_records(path) == [retrained]
    path.write_text("{ not json")  # a broken file does not cost the new measurement
    write_record(here, path)
    assert read_records(path) == [here]
    legacy = asdict(there)  # a file written before several records were kept
    path.write_text(json.dumps(legacy))
    assert read_records(path) == [there]


def test_two_cpus_of_one_name_differ_by_their_instruction_sets():
    head = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2 fma f16c "
    bf16 = cpu_info(head + "avx512f avx512_vnni avx512_bf16 hypervisor\nprocessor\t: 1\n")
    plain = cpu_info(head + "hypervisor\n")
    assert bf16 == ("AMD EPYC", "avx2 fma f16c avx512f avx512_vnni avx512_bf16")
    assert plain == ("AMD EPYC", "avx2 fma f16c") and machine()["isa"] == cpu_info()[1]


def test_side_files_sit_beside_the_checkpoint(tmp_path):
    assert sidecar(tmp_path / "gen7.safetensors", "gate.json") == tmp_path / "gen7.gate.json"
    assert sidecar("a/b.safetensors", "int8.onnx").name == "b.int8.onnx"


@pytest.mark.parametrize("qat", [False, True])
@pytest.mark.parametrize("dot_product_units", [False, True])
def test_activations_use_all_8_bits_only_with_int8_dot_product_units(monkeypatch, qat,
                                                                     dot_product_units):
    module = importlib.import_module("dosaku.nets.inference.quantize")  # the package exports
    # a function of the same name
    monkeypatch.setattr(module, "int8_has_dot_product_units", lambda: dot_product_units)
    mapping = module.qconfig_mapping(qat=qat)
    activation = mapping.global_qconfig.activation()
    reduced = activation.reduce_range if hasattr(activation, "reduce_range") else \
        activation.activation_post_process.reduce_range
    assert reduced is not dot_product_units
    assert mapping.module_name_qconfigs["policy_head"] is None  # heads stay fp32
