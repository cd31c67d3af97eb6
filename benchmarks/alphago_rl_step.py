"""One AlphaGo RL update, timed by part: fp32 vs int8 sampling, fp32 vs bf16 differentiation.

An RL step (:mod:`dosaku.train.alphago.rl`) plays ``games_per_step`` sampled games between the
learner and a pool snapshot, then takes one REINFORCE gradient over every learner move. Both
halves are forward/backward passes of a 19x19 policy net, so both have a faster arithmetic:

- sampling: ``selfplay_precision = "int8"`` (the learner re-quantized each step, calibrated
  on positions of the previous step's games; :class:`~dosaku.train.alphago.rl.SamplingPlayers`);
- the update: ``update_precision = "bf16"`` (autocast; fp32 weights and softmax).

Same config, seed and games for both settings of a half. The update is taken on the fp32
games, from the same weights, with a zero learning rate so both see the same net; the
table's cosine is between the two gradients (1 = the same direction).

Run: ``python benchmarks/alphago_rl_step.py [--config configs/alphago_rl.toml] [--games 16]``.
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

from dosaku.nets import load_model  # noqa: E402
from dosaku.train.alphago.config import RLConfig, load_config  # noqa: E402
from dosaku.train.alphago.rl import SamplingPlayers, reinforce_step, self_play  # noqa: E402


def sampling(cfg: RLConfig, precision: str) -> tuple[float, float, list]:
    """(set-up s, self-play s, trajectories) of one step's games in ``precision``."""
    cfg = dataclasses.replace(cfg, selfplay_precision=precision)
    start = time.perf_counter()
    players = SamplingPlayers(cfg, 19)
    learner = players.learner(load_model(cfg.sl_model), np.random.default_rng([cfg.seed, 0, 1]))
    opponent = players.opponent(Path(cfg.sl_model))
    ready = time.perf_counter()
    paths = self_play(learner, opponent, cfg, 19, np.random.default_rng([cfg.seed, 0]))
    return ready - start, time.perf_counter() - ready, paths


def update(cfg: RLConfig, paths: list, precision: str) -> tuple[float, torch.Tensor]:
    """(seconds, flat gradient) of one update in ``precision`` (learning rate 0)."""
    model = load_model(cfg.sl_model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    start = time.perf_counter()
    reinforce_step(model, optimizer, paths, cfg.baseline, cfg.forward_batch, precision)
    seconds = time.perf_counter() - start
    return seconds, torch.cat([p.grad.flatten() for p in model.parameters()])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("configs/alphago_rl.toml"))
    parser.add_argument("--games", type=int, default=16)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    cfg = load_config(RLConfig, args.config, games_per_step=args.games)
    print(f"load average {os.getloadavg()[0]:.1f} at the start; one thread; "
          f"{cfg.games_per_step} games of up to {cfg.max_moves} moves\n")
    print("| part | precision | set-up s | s | positions | × fp32 | gradient cosine |")
    print("|---|---|---|---|---|---|---|")
    games = {}
    for precision in ("fp32", "int8"):
        setup, seconds, paths = sampling(cfg, precision)
        games[precision] = (seconds, paths)
        moves = sum(len(p.moves) for p in paths)
        print(f"| self-play | {precision} | {setup:.1f} | {seconds:.1f} | {moves:,} (learner) "
              f"| {games['fp32'][0] / seconds:.1f}× | – |", flush=True)
    paths = games["fp32"][1]
    grads, times = {}, {}
    for precision in ("fp32", "bf16"):
        times[precision], grads[precision] = update(cfg, paths, precision)
        cosine = torch.nn.functional.cosine_similarity(grads["fp32"], grads[precision], dim=0)
        print(f"| update | {precision} | – | {times[precision]:.1f} | "
              f"{sum(len(p.moves) for p in paths):,} | {times['fp32'] / times[precision]:.1f}× "
              f"| {float(cosine):.4f} |", flush=True)


if __name__ == "__main__":
    main()
