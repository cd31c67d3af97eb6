"""Throughput of the AlphaGo Zero loop on one core: self-play and training.

- Self-play: ``play_games`` exactly as ``dosaku zero run`` plays them (many games at once, one
  batched evaluator, playout cap randomization), for a config and a model: positions the net
  evaluated per second, games per hour, moves per second, and the fraction of the time spent
  inside the network call (the rest the network waits on the tree: selection, expansion,
  encoding).
- Training: optimizer steps on the replay window's batches (symmetries included), samples/s.

One process, ``torch.set_num_threads(1)``: ``dosaku zero run`` runs ``workers`` such processes,
so a 2-core machine plays about twice the games per hour shown here.

Run: ``python benchmarks/zero_pipeline.py --config configs/zero_9x9.toml [--model M.safetensors]
[--precision fp32,int8]`` or ``dosaku bench zero_pipeline``. With several precisions the
self-play figures stand side by side, fp32 first (int8 calibrates on fp32's games).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dosaku.agents.net_evaluator import NetEvaluator  # noqa: E402
from dosaku.nets import create_model, load_model  # noqa: E402
from dosaku.train.zero.buffer import ReplayWindow, write_shard  # noqa: E402
from dosaku.train.zero.config import load_config  # noqa: E402
from dosaku.train.zero.selfplay import play_games  # noqa: E402
from dosaku.train.zero.trainer import Trainer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def self_play_row(evaluator: NetEvaluator, cfg, games: int) -> tuple[dict, list]:
    """Play ``games`` self-play games with ``evaluator``: (figures, game records)."""
    play_games(evaluator, dataclasses.replace(cfg, parallel_games=2), 2, 99,
               lambda r: None)  # warm-up: numba kernels load
    evaluator.positions = 0
    records: list = []
    timing = play_games(evaluator, cfg, games, 0, records.append)
    seconds = timing["seconds"]
    moves = sum(len(r.moves) for r in records)
    return {"net positions/s": f"{evaluator.positions / seconds:,.0f}",
            "moves/s": f"{moves / seconds:,.1f}",
            "games/hour": f"{games / seconds * 3600:,.0f}",
            "mean game length": f"{moves / len(records):.0f} moves",
            "time inside the net": f"{timing['net_seconds'] / seconds:.0%}",
            "time the net waits (tree, encoding)": f"{1 - timing['net_seconds'] / seconds:.0%}",
            }, records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "zero_9x9.toml")
    parser.add_argument("--model", type=Path, default=None,
                        help="a checkpoint (default: a fresh net of the config's model)")
    parser.add_argument("--games", type=int, default=32)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--precision", default="fp32",
                        help="comma-separated self-play precisions, side by side (fp32 first "
                             "is the reference; int8 calibrates on its games), e.g. fp32,int8")
    args = parser.parse_args(argv)
    precisions = [p.strip() for p in args.precision.split(",") if p.strip()]
    if precisions[0] != "fp32":
        precisions.insert(0, "fp32")
    torch.set_num_threads(1)
    cfg = load_config(args.config)
    cfg = dataclasses.replace(cfg, parallel_games=min(cfg.parallel_games, args.games))
    torch.manual_seed(0)
    model = load_model(args.model) if args.model else create_model(
        cfg.model, board_size=cfg.board_size, head="dual", encoder="agz17",
        ownership=cfg.ownership_weight > 0)
    batch = cfg.parallel_games * cfg.leaves_per_game
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"zero-bench-{os.getpid()}"
    rows: dict[str, dict] = {}
    window = None
    for precision in precisions:
        calibration = None
        if precision == "int8":
            pick = np.random.default_rng(0).permutation(len(window))[:256]
            calibration = window.planes[np.sort(pick)].astype(np.float32)
        evaluator = NetEvaluator(model, symmetry="random", seed=0, threads=1,
                                 precision=precision, calibration=calibration,
                                 batch_size=batch)
        rows[precision], records = self_play_row(evaluator, cfg, args.games)
        if window is None:
            write_shard(tmp / "gen0001-0000.npz", records)
            window = ReplayWindow.load(tmp, cfg.window_games)
    print(f"self-play: {cfg.model} {cfg.board_size}x{cfg.board_size}, {args.games} games, "
          f"{cfg.parallel_games} at a time x {cfg.leaves_per_game} leaves, visits "
          f"{cfg.visits}/{cfg.fast_visits} (full/fast), one process, one thread")
    print("| measure | " + " | ".join(f"{p} self-play" for p in precisions) + " |")
    print("|---|" + "---|" * len(precisions))
    for measure in rows["fp32"]:
        print(f"| {measure} | " + " | ".join(rows[p][measure] for p in precisions) + " |")
    trainer = Trainer(model, cfg)
    rng = np.random.default_rng(0)
    trainer.step(*window.sample(cfg.batch_size, rng))
    start = time.perf_counter()
    for _ in range(args.steps):
        trainer.step(*window.sample(cfg.batch_size, rng))
    train_seconds = time.perf_counter() - start
    print(f"| training samples/s (batch {cfg.batch_size}, symmetries incl.) | "
          f"{args.steps * cfg.batch_size / train_seconds:,.0f} |")
    for path in tmp.glob("*"):
        path.unlink()
    tmp.rmdir()


if __name__ == "__main__":
    main()
