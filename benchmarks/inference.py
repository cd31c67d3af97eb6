"""Fast inference: positions/s of every backend and precision against eager fp32, one thread.

For each model: torch fp32 / bf16 / fp16 / int8 and ONNX Runtime fp32 / int8, at batch 1, 8
(the search's default leaf batch) and 64 (self-play across games), with the agreement
figures of :mod:`dosaku.nets.inference.gate` on held-out positions. Models:

- ``zero_9x9``: the shipped default 9x9 Zero net (``dosaku/models/zero_9x9.safetensors``,
  resnet_b4c32, trained: weak but real), on its run's self-play positions if present;
- ``resnet_b6c64`` on 9x9, randomly initialised (the issue's reference net);
- the trained 19x19 SL policy (``training/alphago-sl-small``, 6 x 64 on alphago48), if present;
- ``alphago_policy`` on 19x19 at the paper's size (13 x 192), randomly initialised: speed only
  means something; its agreement is that of a random net, whose policy is nearly flat.

Positions: 9x9 from the Zero run's self-play shards (random games if absent), 19x19 from
``../shared/data/games`` (random games if absent); half calibrate, half are held out.

Each model is measured in a process of its own: one process over all four measured a later
model's int8 at under half its speed alone (cause not found; allocator or thread-pool state
left by the earlier models is the likely suspect), so the parent only collects the sections.

Run: ``python benchmarks/inference.py [--out benchmarks/results/inference.md]`` or
``dosaku bench inference``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import torch  # noqa: E402

from dosaku.arena.precision_gate import gather_positions, measure_candidates  # noqa: E402
from dosaku.cli.quantize import gate_table  # noqa: E402
from dosaku.nets import create_model, load_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ZERO9 = ROOT / "dosaku" / "models" / "zero_9x9.safetensors"
ZERO9_SHARDS = ROOT / "training" / "zero9x9-r3" / "shards"
SL19 = ROOT / "training" / "alphago-sl-small" / "model.safetensors"


def models(names: list[str] | None):
    """(label, net factory, positions source) for each benchmarked model."""
    shards = ZERO9_SHARDS if ZERO9_SHARDS.is_dir() else None
    found = [("zero_9x9 (shipped, resnet_b4c32, 9x9, trained)", lambda: load_model(ZERO9),
              shards),
             ("resnet_b6c64 (9x9, random weights)",
              lambda: create_model("resnet_b6c64", board_size=9), shards)]
    if SL19.is_file():
        found.append(("SL policy (alphago_policy 6x64, 19x19, trained)",
                      lambda: load_model(SL19), None))
    found.append(("alphago_policy (13x192, 19x19, random weights)",
                  lambda: create_model("alphago_policy", board_size=19), None))
    return [m for m in found if names is None or any(n in m[0] for n in names)]


def measure_one(label: str, factory, source, args: argparse.Namespace) -> str:
    """The table section of one model, measured in this process."""
    torch.set_num_threads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    torch.manual_seed(0)
    net = factory()
    planes, where = gather_positions(net, args.positions, source)
    half = len(planes) // 2
    candidates = measure_candidates(net, planes[:half], planes[half:], seconds=args.seconds)
    return (f"### {label}\n\n{gate_table(candidates)}\n\n"
            f"{len(planes) - half} held-out positions from {where}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--positions", type=int, default=512)
    parser.add_argument("--models", nargs="+", help="only models whose label contains these")
    parser.add_argument("--out", type=Path, help="also write the tables to this file")
    parser.add_argument("--in-process", action="store_true",
                        help="measure the selected models in this process (the child's mode)")
    args = parser.parse_args(argv)
    chosen = models(args.models)
    if args.in_process:
        print("\n\n".join(measure_one(*m, args) for m in chosen))
        return 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    sections = [f"dosaku inference benchmark: one core, torch {torch.__version__}, "
                f"{args.seconds:g} s per cell, load average {load:.1f} at the start, "
                f"`python benchmarks/inference.py`"]
    for label, _, _ in chosen:
        print(f"  {label}", file=sys.stderr, flush=True)
        child = [sys.executable, __file__, "--in-process", "--models", label,
                 "--seconds", str(args.seconds), "--positions", str(args.positions)]
        done = subprocess.run(child, stdout=subprocess.PIPE, text=True, check=True)
        sections.append(done.stdout.strip())
    text = "\n\n".join(sections) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
