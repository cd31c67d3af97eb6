"""Value nets side by side on the held-out positions of several value runs' self-play data.

Each value run (``dosaku alphago value``) holds out its test games by a hash of the game
number (:func:`dosaku.train.alphago.value.load_data`); this script scores every ``--model``
on every ``--run``'s test split with the same MSE the run reports, so a net trained on one
kind of label (say, greedy continuations) is also judged on another (the paper's sampled
continuations), beside a constant and the run's own net.

Run: ``python benchmarks/alphago_value_nets.py --models A.safetensors B.safetensors
--runs training/alphago-value-4k training/alphago-value-greedy``
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dosaku.nets import load_model  # noqa: E402
from dosaku.train.alphago.config import ValueConfig, from_json  # noqa: E402
from dosaku.train.alphago.value import ValuePositions, held_out, value_mse  # noqa: E402


def test_split(run: Path) -> ValuePositions:
    """The held-out positions of a self-play value run, as the run itself splits them."""
    cfg = from_json(ValueConfig, (run / "config.json").read_text())
    every = ValuePositions.load(sorted((run / "data").glob("shard*.npz")))
    return every.subset(held_out(every.games, cfg.test_per_mille))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, nargs="+", required=True)
    parser.add_argument("--runs", type=Path, nargs="+", required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    splits = {run: test_split(run) for run in args.runs}
    names = [f"{run.name} ({len(data)} test positions)" for run, data in splits.items()]
    print("| value net | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    constant = [float(np.mean(data.values ** 2)) for data in splits.values()]
    print("| 0 everywhere (a coin) | " + " | ".join(f"{c:.3f}" for c in constant) + " |")
    results = {}
    for path in args.models:
        model = load_model(path)
        row = [value_mse(model, data, limit=len(data)) for data in splits.values()]
        results[str(path)] = row
        print(f"| `{path}` | " + " | ".join(f"{m:.3f}" for m in row) + " |", flush=True)
    print(json.dumps({"runs": [str(r) for r in args.runs], "mse": results}))


if __name__ == "__main__":
    main()
