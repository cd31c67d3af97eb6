"""NetEvaluator's backend and precision: torch fp32 stays the evaluator's default (players
default to ``auto``), ONNX Runtime and int8 say what fp32 says, ``auto`` follows the gate
record, exports are cached, and fp32 plays a short match against int8 through the precision
gate."""

import json

import numpy as np
import pytest
import torch

from dosaku.agents.net_evaluator import NetEvaluator
from dosaku.agents.puct_agent import PuctAgent, ThinkingLimits
from dosaku.arena.precision_gate import gather_positions, play_precision_match
from dosaku.nets import create_model, save_model
from dosaku.nets.inference import (Agreement, GateRecord, sidecar, write_calibration,
                                   write_record)
from dosaku.nets.inference.gate import Candidate, machine
from dosaku.rules.coords import from_gtp
from dosaku.rules.game import GameState
from dosaku.search.puct import SearchConfig


@pytest.fixture(scope="module")
def tiny_net():
    torch.manual_seed(0)
    return create_model("resnet_b1c8", board_size=5).eval()


@pytest.fixture(scope="module")
def calibration(tiny_net):
    return gather_positions(tiny_net, 64)[0]


def positions():
    state = GameState(5)
    for v in ("C3", "D4", "B2", "pass"):
        state.play(from_gtp(v, 5))
    return [state, GameState(5)]


def test_default_is_eager_fp32_torch(tiny_net):
    evaluator = NetEvaluator(tiny_net, symmetry="none")
    assert (evaluator.backend, evaluator.precision) == ("torch", "fp32")
    assert evaluator.model is tiny_net


def test_onnxruntime_and_int8_agree_with_fp32(tiny_net, calibration):
    ref_priors, ref_values = NetEvaluator(tiny_net, symmetry="none").evaluate(positions())
    onnx = NetEvaluator(tiny_net, symmetry="none", backend="onnxruntime")
    priors, values = onnx.evaluate(positions())
    np.testing.assert_allclose(priors, ref_priors, atol=1e-5)
    np.testing.assert_allclose(values, ref_values, atol=1e-5)
    for backend in ("torch", "onnxruntime"):
        int8 = NetEvaluator(tiny_net, symmetry="none", backend=backend, precision="int8",
                            calibration=calibration)
        assert int8.precision == "int8"
        priors, values = int8.evaluate(positions())
        assert np.allclose(priors.sum(axis=1), 1.0, atol=1e-5)
        assert np.abs(values - ref_values).max() < 0.05
        assert np.abs(priors - ref_priors).max() < 0.05


def test_impossible_combinations_are_refused(tiny_net):
    with pytest.raises(ValueError, match="dosaku quantize"):
        NetEvaluator(tiny_net, precision="int8")
    with pytest.raises(ValueError, match="onnxruntime runs"):
        NetEvaluator(tiny_net, backend="onnxruntime", precision="bf16")
    with pytest.raises(ValueError, match="backend"):
        NetEvaluator(tiny_net, backend="tensorrt")


def gate_record(path, speeds: dict[tuple[str, str], float], here=None, sha256=""):
    candidates = [Candidate(b, p, Agreement(10, 1.0, 0.0, 0.0, 1.0), True, {8: s})
                  for (b, p), s in speeds.items()]
    write_record(GateRecord(str(path), here or machine(), candidates, model_sha256=sha256),
                 sidecar(path, "gate.json"))


def test_auto_takes_the_fastest_that_passed_here(tiny_net, calibration, tmp_path):
    path = save_model(tiny_net, tmp_path / "net.safetensors")
    assert NetEvaluator(path, backend="auto", precision="auto").precision == "fp32"
    write_calibration(calibration, sidecar(path, "calibration.npz"))
    gate_record(path, {("torch", "fp32"): 100.0, ("torch", "int8"): 900.0,
                       ("onnxruntime", "fp32"): 300.0})
    chosen = NetEvaluator(path, backend="auto", precision="auto")
    assert (chosen.backend, chosen.precision) == ("torch", "int8")
    only_fp32 = NetEvaluator(path, backend="auto", precision="fp32")
    assert (only_fp32.backend, only_fp32.precision) == ("onnxruntime", "fp32")
    sidecar(path, "gate.json").unlink()
    for other in ({"cpu": "elsewhere"}, {"isa": "avx2 fma"}):  # another CPU, or the same name
        gate_record(path, {("torch", "int8"): 900.0}, here={**machine(), **other})
        elsewhere = NetEvaluator(path, backend="auto", precision="auto")
        assert (elsewhere.backend, elsewhere.precision) == ("torch", "fp32")


def test_auto_ignores_a_record_measured_on_other_weights(tiny_net, calibration, tmp_path):
    from dosaku.nets.inference.gate import file_sha256

    path = save_model(tiny_net, tmp_path / "net.safetensors")
    write_calibration(calibration, sidecar(path, "calibration.npz"))
    gate_record(path, {("onnxruntime", "fp32"): 300.0}, sha256=file_sha256(path))
    assert NetEvaluator(path, backend="auto", precision="auto").backend == "onnxruntime"
    with torch.no_grad():
        retrained = create_model("resnet_b1c8", board_size=5).eval()
    save_model(retrained, path)  # the same file name, other weights: the record is stale
    stale = NetEvaluator(path, backend="auto", precision="auto")
    assert (stale.backend, stale.precision) == ("torch", "fp32")


def runs(agent) -> tuple[str, str]:
    return agent.search.evaluator.backend, agent.search.evaluator.precision


def test_players_run_what_the_gate_chose_by_default(tiny_net, calibration, tmp_path):
    from dosaku.agents.spec import build_agent
    from dosaku.agents.zero_agent import zero_agent

    path = save_model(tiny_net, tmp_path / "net.safetensors")
    for agent in (build_agent(f"zero:model={path},visits=4"), zero_agent(path, visits=4)):
        assert runs(agent) == ("torch", "fp32")
    write_calibration(calibration, sidecar(path, "calibration.npz"))
    gate_record(path, {("torch", "fp32"): 100.0, ("onnxruntime", "fp32"): 300.0})
    for agent in (build_agent(f"zero:model={path},visits=4"),
                  build_agent(f"puct:model={path},visits=4"), zero_agent(path, visits=4)):
        assert runs(agent) == ("onnxruntime", "fp32")
    plain = build_agent(f"zero:model={path},visits=4,backend=torch,precision=fp32")
    assert runs(plain) == ("torch", "fp32")


def test_an_onnx_export_is_made_once_per_checkpoint(tiny_net, tmp_path, monkeypatch):
    from dosaku.nets.inference import runner

    monkeypatch.setenv("DOSAKU_CACHE", str(tmp_path / "cache"))
    exports = []
    real = runner.export_onnx
    monkeypatch.setattr(runner, "export_onnx", lambda *a: exports.append(a) or real(*a))
    path = save_model(tiny_net, tmp_path / "net.safetensors")
    first = NetEvaluator(path, symmetry="none", backend="onnxruntime")
    again = NetEvaluator(path, symmetry="none", backend="onnxruntime")
    assert len(exports) == 1 and len(list((tmp_path / "cache" / "onnx").glob("*.onnx"))) == 1
    np.testing.assert_array_equal(first.evaluate(positions())[0], again.evaluate(positions())[0])
    with torch.no_grad():
        changed = create_model("resnet_b1c8", board_size=5).eval()
    save_model(changed, path)  # the same file name, other weights: never the stale export
    NetEvaluator(path, symmetry="none", backend="onnxruntime")
    assert len(exports) == 2
    monkeypatch.setattr(runner, "ONNX_CACHE_FILES", 2)
    other = save_model(changed, tmp_path / "other.safetensors")
    NetEvaluator(other, symmetry="none", backend="onnxruntime")
    assert len(list((tmp_path / "cache" / "onnx").glob("*.onnx"))) == 2  # the oldest went


def test_exports_on_calibration_handed_in_are_not_cached(tiny_net, calibration, tmp_path,
                                                         monkeypatch):
    monkeypatch.setenv("DOSAKU_CACHE", str(tmp_path / "cache"))
    path = save_model(tiny_net, tmp_path / "net.safetensors")
    NetEvaluator(path, backend="onnxruntime", precision="int8", calibration=calibration)
    assert not list(tmp_path.glob("cache/onnx/*.onnx"))


def test_int8_player_searches(tiny_net, calibration):
    evaluator = NetEvaluator(tiny_net, seed=0, precision="int8", calibration=calibration)
    agent = PuctAgent(evaluator, SearchConfig(batch_size=4), ThinkingLimits(visits=12), seed=0)
    move = agent.select_move(GameState(5))
    assert 0 <= move <= 25 and evaluator.positions > 0


def test_precision_match_counts_both_colours(tiny_net, calibration, tmp_path):
    path = save_model(tiny_net, tmp_path / "net.safetensors")
    write_calibration(calibration, sidecar(path, "calibration.npz"))
    match = play_precision_match(path, "torch", "int8", games=2, visits=4, out=tmp_path)
    assert match.wins + match.losses + match.draws == 2
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert [json.loads(x)["black"] for x in lines] == ["torch-int8", "fp32"]
    assert match.fast_evaluations_per_move > 0
    with pytest.raises(ValueError, match="not both"):
        play_precision_match(path, "torch", "int8", games=1, visits=4, seconds=0.1)


def test_the_gate_skips_a_candidate_far_slower_than_fp32(tiny_net, calibration, monkeypatch):
    """A precision this CPU has no units for (bf16 without AVX-512 BF16 ran 25x slower than
    fp32) is timed at batch 1 and not gated further; the others are measured in full."""
    from dosaku.arena import precision_gate
    from dosaku.cli.quantize import gate_table

    speeds = {"fp32": 1000.0, "bf16": 10.0, "fp16": 900.0, "int8": 3000.0}
    monkeypatch.setattr(precision_gate, "measure",
                        lambda runner, planes, seconds: speeds[runner.precision])
    found = precision_gate.measure_candidates(tiny_net, calibration, calibration[:6],
                                              batches=(1, 8))
    by_kind = {(c.backend, c.precision): c for c in found}
    slow = by_kind[("torch", "bf16")]
    assert not slow.passed and slow.agreement.positions == 0 and slow.speed == {1: 10.0}
    for kind in (("torch", "fp16"), ("torch", "int8"), ("onnxruntime", "fp32")):
        assert by_kind[kind].agreement.positions == 6 and set(by_kind[kind].speed) == {1, 8}
    assert "under 50% of fp32" in slow.note and "| - |" in gate_table(found)


def test_auto_without_a_record_here_times_torch_against_onnx_once(tiny_net, tmp_path,
                                                                  monkeypatch):
    """No gate record for this machine: fp32 on whichever backend is faster here, timed once
    and remembered per checkpoint and machine; never where outputs differ or on a record."""
    from dosaku.nets.inference import runner

    monkeypatch.setenv("DOSAKU_TIME_BACKENDS", "1")
    monkeypatch.setenv("DOSAKU_CACHE", str(tmp_path / "cache"))
    speeds = {"torch": 100.0, "onnxruntime": 300.0}
    monkeypatch.setattr(runner, "measure", lambda r, planes, seconds: speeds[r.backend])
    path = save_model(tiny_net, tmp_path / "net.safetensors")
    chosen = NetEvaluator(path, backend="auto", precision="auto")
    assert (chosen.backend, chosen.precision) == ("onnxruntime", "fp32")
    remembered = list((tmp_path / "cache" / "speed").glob("net-*.json"))
    assert len(remembered) == 1 and json.loads(remembered[0].read_text())["same"]
    speeds.update(torch=1000.0)  # remembered: not timed again
    assert NetEvaluator(path, backend="auto", precision="auto").backend == "onnxruntime"
    assert NetEvaluator(path, backend="auto", precision="auto", batch_size=4).backend == "torch"
    assert NetEvaluator(path, backend="torch", precision="auto").backend == "torch"
    monkeypatch.setenv("DOSAKU_TIME_BACKENDS", "0")
    assert NetEvaluator(path, backend="auto", precision="auto", batch_size=2).backend == "torch"
