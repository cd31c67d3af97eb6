"""Why int8 misses strict top-1 agreement, and what moved it: one table for a model.

- 7-bit vs 8-bit activation ranges (torch's x86 default vs :func:`qconfig_mapping` on a CPU
  with VNNI/AMX): top-1 agreement, top-1 within 1% (fp32's own priors), KL, value MAE;
- how flat fp32's policy is: the share of positions whose two best priors are within 0.003
  and 0.01, and, for each precision, the largest fp32 prior gap behind a disagreement;
- layer sensitivity (``--layers``): each backbone convolution kept in fp32 in turn;
- distilled quantization-aware fine-tuning (``--qat-steps N [--qat-lr LR]``,
  :func:`finetune_int8`) on the 1,000 calibration positions;
- weight rounding alone (``--weights-only``): the folded net with per-channel symmetric int8
  weights and fp32 activations, then with Nagel et al.'s (2019, "Data-free quantization",
  section 4.2) empirical bias correction (each conv's mean output shift on calibration
  inputs subtracted from its bias), then that corrected net through the full int8 path.

Positions: ``--positions`` from ``--source`` (self-play shards or SGF; 19x19 default: the
shared games), the first 1,000 calibrate and the rest are held out.

Run: ``python benchmarks/int8_agreement.py training/zero9x9-r3/models/gen0021.safetensors
--source training/zero9x9-r3/shards [--layers]``.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import os
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dosaku.arena.precision_gate import fp32_outputs, gather_positions  # noqa: E402
from dosaku.nets import load_model  # noqa: E402
from dosaku.nets.inference import TorchRunner  # noqa: E402
from dosaku.nets.inference.gate import agreement  # noqa: E402

quantize_module = importlib.import_module("dosaku.nets.inference.quantize")


def outputs(runner, planes: np.ndarray):
    parts = [runner.run(planes[i:i + 64]) for i in range(0, len(planes), 64)]
    return tuple(None if parts[0][k] is None else np.concatenate([p[k] for p in parts])
                 for k in (0, 1))


def row(label: str, ref, got) -> str:
    a = agreement(ref, got)
    prior = torch.softmax(torch.from_numpy(ref[0]).double(), 1).numpy()
    best, chosen = ref[0].argmax(1), got[0].argmax(1)
    rows = np.flatnonzero(best != chosen)
    gap = (prior[rows, best[rows]] - prior[rows, chosen[rows]]).max() if len(rows) else 0.0
    mae = "-" if a.value_mae != a.value_mae else f"{a.value_mae:.4f}"
    return (f"| {label} | {a.top1:.4f} | {a.near_top1:.4f} | {a.kl:.5f} | {mae} | "
            f"{len(rows)} | {gap:.4f} |")


class GraphRunner:
    """Runs an fp32 module whose outputs are (logits, value)."""

    def __init__(self, graph: torch.nn.Module):
        self.graph = graph

    def run(self, batch: np.ndarray):
        with torch.inference_mode():
            logits, value = self.graph(torch.from_numpy(batch))[:2]
        return logits.numpy(), value.numpy().reshape(-1)


def on_int8_grid(weight: torch.Tensor) -> torch.Tensor:
    """``weight`` rounded to per-output-channel symmetric int8 steps (the x86 weight scheme)."""
    amax = weight.abs().flatten(1).amax(1).clamp(min=1e-12)
    scale = (amax / 127).view(-1, *[1] * (weight.dim() - 1))
    return (weight / scale).round().clamp(-127, 127) * scale


def backbone_convs(module: torch.nn.Module) -> list[tuple[str, torch.nn.Conv2d]]:
    return [(n, m) for n, m in module.named_modules() if isinstance(m, torch.nn.Conv2d)
            and n.startswith("backbone.")]


def weight_rounding(net, calibration: torch.Tensor, correct: bool) -> torch.nn.Module:
    """The folded net with int8-grid backbone weights, and (``correct``) bias correction:
    each conv's mean output shift per channel, on the fp32 net's own inputs to it, is
    subtracted from its bias."""
    folded = quantize_module.fold_batch_norm(net)
    inputs = {}
    hooks = [m.register_forward_hook(lambda mod, a, o, n=n: inputs.__setitem__(n, a[0]))
             for n, m in backbone_convs(folded)]
    with torch.inference_mode():
        folded(calibration[:512])
    for hook in hooks:
        hook.remove()
    rounded = copy.deepcopy(folded)
    for (name, conv), (_, grid) in zip(backbone_convs(folded), backbone_convs(rounded),
                                       strict=True):
        with torch.no_grad():
            grid.weight.copy_(on_int8_grid(conv.weight))
            if correct:
                shift = (grid(inputs[name]) - conv(inputs[name])).mean((0, 2, 3))
                grid.bias.sub_(shift)
    return rounded


def unfolded(net, rounded: torch.nn.Module):
    """``net`` carrying ``rounded``'s folded backbone weights: each conv takes the folded
    weight and its batch norm becomes the identity plus the folded bias, so the int8 path's
    own conv-BN fusion reproduces them exactly."""
    out = copy.deepcopy(net).eval()
    modules = dict(out.named_modules())
    for name, conv in backbone_convs(rounded):
        parent = modules[name.rsplit(".", 1)[0]]
        with torch.no_grad():
            parent[0].weight.copy_(conv.weight)
            bn = parent[1]
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
            bn.weight.fill_(1.0)
            bn.bias.copy_(conv.bias)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--positions", type=int, default=3000)
    parser.add_argument("--layers", action="store_true", help="also keep each conv in fp32")
    parser.add_argument("--qat-steps", type=int, nargs="*", default=[],
                        help="also fine-tune int8 (QAT, fp32 as teacher) for these many steps")
    parser.add_argument("--qat-lr", type=float, default=1e-5)
    parser.add_argument("--weights-only", action="store_true",
                        help="also weight rounding alone, with and without bias correction")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    net = load_model(args.model)
    planes, where = gather_positions(net, args.positions, args.source)
    calibration, held = torch.from_numpy(planes[:1000]), planes[1000:]
    ref = fp32_outputs(net, held)
    prior = np.sort(torch.softmax(torch.from_numpy(ref[0]).double(), 1).numpy(), 1)
    top2 = prior[:, -1] - prior[:, -2]
    print(f"{args.model}: {len(held)} held-out positions from {where}; fp32's two best priors "
          f"within 0.003: {np.mean(top2 < 0.003):.1%}, within 0.01: {np.mean(top2 < 0.01):.1%}")
    print("\n| variant | top-1 | top-1 within 1% | KL | value MAE | disagreements | "
          "largest fp32 gap |\n|---|---|---|---|---|---|---|")
    print(row("bf16", ref, outputs(TorchRunner(quantize_module.quantize(net, "bf16")), held)))
    real = quantize_module.int8_has_dot_product_units
    for bits, dot in (("7-bit activations (torch x86 default)", False),
                      ("8-bit activations", True)):
        quantize_module.int8_has_dot_product_units = lambda dot=dot: dot
        int8 = quantize_module.quantize(net, "int8", calibration)
        print(row(f"int8, {bits}", ref, outputs(TorchRunner(int8), held)), flush=True)
    quantize_module.int8_has_dot_product_units = real
    for steps in args.qat_steps:
        int8 = quantize_module.finetune_int8(net, calibration, steps=steps, lr=args.qat_lr)
        print(row(f"int8, {steps} QAT steps (lr {args.qat_lr:g})", ref,
                  outputs(TorchRunner(int8), held)), flush=True)
    if args.weights_only:
        for correct in (False, True):
            rounded = weight_rounding(net, calibration, correct)
            label = "int8 weights only, fp32 activations" + (", bias-corrected" if correct
                                                              else "")
            print(row(label, ref, outputs(GraphRunner(rounded), held)), flush=True)
        int8 = quantize_module.quantize(unfolded(net, rounded), "int8", calibration)
        print(row("int8 (full) on the bias-corrected net", ref,
                  outputs(TorchRunner(int8), held)), flush=True)
    if args.layers:
        convs = [name.rsplit(".", 1)[0] for name, m in net.backbone.named_modules()
                 if isinstance(m, torch.nn.Conv2d)]
        for layer in convs:
            keep = quantize_module.KEEP_FP32 + (f"backbone.{layer}",)
            int8 = quantize_module.quantize(net, "int8", calibration, keep_fp32=keep)
            print(row(f"int8, backbone.{layer} in fp32", ref, outputs(TorchRunner(int8), held)),
                  flush=True)


if __name__ == "__main__":
    main()
