"""Why int8 misses strict top-1 agreement, and what moved it: one table for a model.

- 7-bit vs 8-bit activation ranges (torch's x86 default vs :func:`qconfig_mapping` on a CPU
  with VNNI/AMX): top-1 agreement, top-1 within 1% (fp32's own priors), KL, value MAE;
- how flat fp32's policy is: the share of positions whose two best priors are within 0.003
  and 0.01, and, for each precision, the largest fp32 prior gap behind a disagreement;
- layer sensitivity (``--layers``): each backbone convolution kept in fp32 in turn;
- distilled quantization-aware fine-tuning (``--qat-steps N [--qat-lr LR]``,
  :func:`finetune_int8`) on the 1,000 calibration positions.

Positions: ``--positions`` from ``--source`` (self-play shards or SGF; 19x19 default: the
shared games), the first 1,000 calibrate and the rest are held out.

Run: ``python benchmarks/int8_agreement.py training/zero9x9-r3/models/gen0021.safetensors
--source training/zero9x9-r3/shards [--layers]``.
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--positions", type=int, default=3000)
    parser.add_argument("--layers", action="store_true", help="also keep each conv in fp32")
    parser.add_argument("--qat-steps", type=int, nargs="*", default=[],
                        help="also fine-tune int8 (QAT, fp32 as teacher) for these many steps")
    parser.add_argument("--qat-lr", type=float, default=1e-5)
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
