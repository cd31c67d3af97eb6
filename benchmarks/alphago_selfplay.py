"""AlphaGo value-net self-play: one shard of games sampled by fp32 and by int8 nets, side by side.

The value stage's data are whole 19x19 games sampled by the SL and RL policy nets
(:mod:`dosaku.train.alphago.value`); the nets' forward passes are most of the time, so
``selfplay_precision = "int8"`` (:func:`dosaku.train.alphago.selfplay.with_int8_sampler`)
should play more games per hour. Same config, same shard seed, each precision in turn: set-up
time (loading; int8 also calibrates on the nets' own sampled games) and the shard's wall time.

Run: ``python benchmarks/alphago_selfplay.py [--config configs/alphago_value.toml]``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dosaku.train.alphago.config import ValueConfig, load_config  # noqa: E402
from dosaku.train.alphago.value import sampling_player, selfplay_positions  # noqa: E402


class MoveCount:
    """Stands in for the progress bar ``selfplay_positions`` updates: counts the moves."""

    def __init__(self):
        self.n = 0

    def update(self, k: int) -> None:
        self.n += k


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("configs/alphago_value.toml"))
    parser.add_argument("--precisions", default="fp32,int8")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"load average {os.getloadavg()[0]:.1f} at the start; one thread\n")
    print("| precision | set-up s | games | moves | shard s | games/hour | × fp32 |")
    print("|---|---|---|---|---|---|---|")
    first = None
    for precision in args.precisions.split(","):
        cfg = load_config(ValueConfig, args.config, selfplay_precision=precision)
        start = time.perf_counter()
        sl = sampling_player(cfg, cfg.sl_model, "sl")
        rl = sampling_player(cfg, cfg.rl_model, "rl")
        ready = time.perf_counter()
        moves = MoveCount()
        selfplay_positions(sl, rl, cfg, 0, np.random.default_rng(5), moves)
        seconds = time.perf_counter() - ready
        first = first or seconds
        print(f"| {precision} | {ready - start:.1f} | {cfg.shard_games} | {moves.n:,} | "
              f"{seconds:.1f} | {cfg.shard_games * 3600 / seconds:,.0f} | "
              f"{first / seconds:.1f}× |", flush=True)


if __name__ == "__main__":
    main()
