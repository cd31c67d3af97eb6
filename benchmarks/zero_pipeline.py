"""Throughput of the AlphaGo Zero loop on one core: self-play and training.

- Self-play: ``play_games`` exactly as ``dosaku zero run`` plays them (many games at once, one
  batched evaluator, playout cap randomization), for a config and a model: positions the net
  evaluated per second, games per hour, moves per second, and the fraction of the time spent
  inside the network call (the rest the network waits on the tree: selection, expansion,
  encoding).
- Training: optimizer steps on the replay window's batches (symmetries included), samples/s.

One process, ``torch.set_num_threads(1)``: ``dosaku zero run`` runs ``workers`` such processes,
so a 2-core machine plays about twice the games per hour shown here.

Run: ``python benchmarks/zero_pipeline.py --config configs/zero_9x9.toml [--model M.safetensors]``
or ``dosaku bench zero_pipeline``.
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "zero_9x9.toml")
    parser.add_argument("--model", type=Path, default=None,
                        help="a checkpoint (default: a fresh net of the config's model)")
    parser.add_argument("--games", type=int, default=32)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    cfg = load_config(args.config)
    cfg = dataclasses.replace(cfg, parallel_games=min(cfg.parallel_games, args.games))
    torch.manual_seed(0)
    model = load_model(args.model) if args.model else create_model(
        cfg.model, board_size=cfg.board_size, head="dual", encoder="agz17")
    evaluator = NetEvaluator(model, symmetry="random", seed=0, threads=1)
    play_games(evaluator, dataclasses.replace(cfg, parallel_games=2), 2, 99,
               lambda r: None)  # warm-up: numba kernels load
    evaluator.positions = 0
    records = []
    timing = play_games(evaluator, cfg, args.games, 0, records.append)
    seconds = timing["seconds"]
    moves = sum(len(r.moves) for r in records)
    print(f"self-play: {cfg.model} {cfg.board_size}x{cfg.board_size}, {args.games} games, "
          f"{cfg.parallel_games} at a time x {cfg.leaves_per_game} leaves, visits "
          f"{cfg.visits}/{cfg.fast_visits} (full/fast), one process, one thread")
    print("| measure | value |")
    print("|---|---|")
    print(f"| net positions/s | {evaluator.positions / seconds:,.0f} |")
    print(f"| moves/s | {moves / seconds:,.1f} |")
    print(f"| games/hour | {args.games / seconds * 3600:,.0f} |")
    print(f"| mean game length | {moves / len(records):.0f} moves |")
    print(f"| time inside the net | {timing['net_seconds'] / seconds:.0%} |")
    print(f"| time the net waits (tree, encoding) | {1 - timing['net_seconds'] / seconds:.0%} |")
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"zero-bench-{os.getpid()}"
    write_shard(tmp / "gen0001-0000.npz", records)
    window = ReplayWindow.load(tmp, cfg.window_games)
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
