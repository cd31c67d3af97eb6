"""Pack a training run's newest checkpoint small enough to travel to a lent GPU machine.

A `device` call carries at most 64 MiB in all (code, the 24 MB of games, the run). The 13 x 192
SL run's checkpoint is 15.5 MB of weights and 31 MB of Adam moments: too much beside the
games. This copies ``config.json``, ``metrics.jsonl`` and the newest checkpoint into OUT with
the optimizer's moment tensors stored as bf16 (half the bytes; torch's ``load_state_dict``
casts them back to the parameters' fp32, about 0.4% from the originals, far inside Adam's own
noise); step counters and the weights stay exact. TensorBoard logs stay behind: the resumed
run writes new event files, copied back beside the old ones.

    python device/pack_run.py training/alphago-sl-gpu .gpu/sl-run
    RESUME=.gpu/sl-run STEPS=... LR=... HALVE=... bash device/sl_gpu.sh   (on the GPU host)
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from dosaku.train.alphago.run_folder import RunFolder


def pack(run: Path, out: Path) -> Path:
    """Copy ``run``'s newest checkpoint into ``out``; the packed optimizer file's path."""
    if run.resolve() == out.resolve() or run.resolve().is_relative_to(out.resolve()):
        raise SystemExit(f"{out}: would replace the run {run} itself; name another folder")
    folder = RunFolder(run)
    step = folder.latest_step()
    if step == 0:
        raise SystemExit(f"{run}: no complete checkpoint (checkpoints/stepNNNNNNNN) to pack")
    newest, optimizer = folder.model_path(step), folder.optimizer_path(step)
    if out.exists():
        shutil.rmtree(out)
    (out / "checkpoints").mkdir(parents=True)
    for name in ("config.json", "metrics.jsonl"):
        if (run / name).exists():
            shutil.copy2(run / name, out / name)
    shutil.copy2(newest, out / "checkpoints" / newest.name)
    with safe_open(str(optimizer), framework="pt") as f:
        metadata = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    halved = {k: v.to(torch.bfloat16) if v.dim() > 0 and v.is_floating_point() else v
              for k, v in tensors.items()}
    target = out / "checkpoints" / optimizer.name
    save_file(halved, str(target), metadata=metadata)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder (config.json, checkpoints/)")
    parser.add_argument("out", type=Path, help="where the packed copy goes (replaced)")
    args = parser.parse_args()
    target = pack(args.run, args.out)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"{args.out}: {size / 2**20:.1f} MiB ({target.name} in bf16)")


if __name__ == "__main__":
    main()
