"""Where a Zero net's value head is right and wrong: value MSE and sign accuracy against the
game result, by how many stones are on the board, for several checkpoints side by side on
the same self-play positions (the newest shards of a run, which the nets compared should not
have trained on). With ``--run`` it also sums the run's own GNU Go games (``gnugo_every``) by
generation range, the outside-opponent figure that self-play Elo does not give.

Why: r5's value loss sat at 0.70 from generation 1 to 240 while its self-play Elo rose; this
shows whether the head learns anything late in the game (where the result is nearly settled)
or only echoes the prior (Silver et al. 2017, "Methods: self-play training pipeline": the
value target z is the game's result from the mover's view).

Run: ``python benchmarks/zero_value_by_stage.py --models
training/zero9x9-r5/models/gen0124.safetensors training/zero9x9-r5/models/gen0200.safetensors
--shards training/zero9x9-r5/shards --after 200 --through 240 --run training/zero9x9-r5
--ranges 85-120,125-240``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from dosaku.features.agz import HistoryEncoder
from dosaku.nets import load_model
from dosaku.train.zero.buffer import read_shard, shard_paths

STONE_BUCKETS = ((0, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 82))


def newest_positions(folder: Path, after: int,
                     through: int = 10**9) -> tuple[np.ndarray, np.ndarray]:
    """(planes, value targets) of every shard from generations ``after + 1`` to ``through``."""
    planes, values = [], []
    for path in shard_paths(folder, after + 1, through):
        p, _, v, *_ = read_shard(path)
        planes.append(p)
        values.append(v)
    if not planes:
        raise SystemExit(f"no shards of generations {after + 1}-{through} in {folder}")
    return np.concatenate(planes), np.concatenate(values).astype(np.float32)


def predicted_values(model_path: str, planes: np.ndarray) -> np.ndarray:
    model = load_model(model_path).eval()
    with torch.inference_mode():
        out = [model(torch.from_numpy(planes[i:i + 512].astype(np.float32))).value
               for i in range(0, len(planes), 512)]
    return torch.cat(out).reshape(-1).numpy()


def stones_on_board(planes: np.ndarray) -> np.ndarray:
    """Stones of the current position (a first version read plane 8, four moves back, as the
    opponent's stones: agz17 interleaves the history)."""
    if planes.shape[1] != 17:
        raise SystemExit(f"expected agz17 planes (17), the shards hold {planes.shape[1]}")
    own, opponent = HistoryEncoder.current_stones(planes)
    return own.sum((1, 2)) + opponent.sum((1, 2))


def value_table(models: list[str], planes: np.ndarray, z: np.ndarray) -> list[str]:
    stones = stones_on_board(planes)
    rows = ["| stones on the board | positions | " + " | ".join(
        f"`{Path(m).stem}` MSE (sign right)" for m in models) + " |",
        "|---|---|" + "---|" * len(models)]
    values = [predicted_values(m, planes) for m in models]
    for lo, hi in ((0, 82),) + STONE_BUCKETS:
        k = (stones >= lo) & (stones < hi)
        label = "all" if (lo, hi) == (0, 82) else f"{lo}–{hi - 1}"
        cells = [f"{((v[k] - z[k]) ** 2).mean():.3f} ({(np.sign(v[k]) == z[k]).mean():.0%})"
                 for v in values]
        rows.append(f"| {label} | {int(k.sum())} | " + " | ".join(cells) + " |")
    return rows


def gnugo_table(run: Path, ranges: list[tuple[int, int]]) -> list[str]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    games = [r for r in rows if r.get("phase") == "gnugo"]
    out = ["| generations | matches | games | wins | win rate |", "|---|---|---|---|---|"]
    for lo, hi in ranges:
        sel = [r for r in games if lo <= r["generation"] <= hi]
        played, won = sum(r["games"] for r in sel), sum(r["wins"] for r in sel)
        rate = f"{won / played:.1%}" if played else "-"
        out.append(f"| {lo}–{hi} | {len(sel)} | {played} | {won:g} | {rate} |")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--shards", type=Path, required=True, help="a run's shard folder")
    parser.add_argument("--after", type=int, required=True,
                        help="use shards of generations above this (unseen by the models)")
    parser.add_argument("--through", type=int, default=10**9,
                        help="and up to this generation (default: the newest)")
    parser.add_argument("--run", type=Path, default=None, help="also sum its GNU Go games")
    parser.add_argument("--ranges", default="", help="generation ranges, e.g. 85-120,125-240")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    planes, z = newest_positions(args.shards, args.after, args.through)
    print("\n".join(value_table(args.models, planes, z)))
    if args.run is not None and args.ranges:
        ranges = [tuple(int(x) for x in r.split("-")) for r in args.ranges.split(",")]
        print()
        print("\n".join(gnugo_table(args.run, ranges)))


if __name__ == "__main__":
    main()
