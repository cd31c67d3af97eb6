"""The RL policy net against the SL net it started from: the paper's match, and what it learned.

Silver et al. 2016 ("Reinforcement learning of policy networks") report that the RL net won
80% of its games against the SL net, both *sampling* their moves. A net can win that match
partly by sampling less at random (a sharper policy) rather than by choosing better moves, so
the table puts beside it:

- the paper's match, RL vs SL, both sampling (T = 1), and the SL-vs-SL control;
- RL (T = 1) against the SL net sampling at the temperature that gives it the RL net's
  policy entropy (the SL net as sharp as the RL net), and at T = 0 (its most probable move);
- both nets at T = 0 (deterministic players; each game then differs only by colour, so the
  opening moves are sampled at T = 1 for ``--opening`` moves to make distinct games);
- each net's mean policy entropy (nats) on positions of the SL net's own sampled games, and
  top-1 agreement with the 9-dan moves of ``--human-games`` held-out games (``../shared``).

Games: 19x19, komi 7.5, colours alternating, capped at ``max_moves`` and scored by the
cleanup playouts of ``configs/alphago_rl.toml`` (:mod:`dosaku.train.alphago.selfplay`).

Run: ``python benchmarks/alphago_rl_strength.py training/alphago-rl-r2/model.safetensors
[--sl training/alphago-sl-small/model.safetensors] [--games 40]``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dosaku.arena.stats import wilson_interval  # noqa: E402
from dosaku.io.sgf import SkipStats  # noqa: E402
from dosaku.nets import load_model  # noqa: E402
from dosaku.train.alphago.accuracy import net_policy_accuracy  # noqa: E402
from dosaku.train.alphago.config import DataConfig, RLConfig, load_config  # noqa: E402
from dosaku.train.alphago.positions import held_out_games  # noqa: E402
from dosaku.train.alphago.selfplay import (PolicyPlayer, match_win_rate,  # noqa: E402
                                           sampled_positions)


class Opening(PolicyPlayer):
    """``player`` that samples at T = 1 for the first ``moves`` moves of a game."""

    def __init__(self, player: PolicyPlayer, moves: int):
        super().__init__(player.model, player.temperature, player.name)
        self.opening = moves

    def choose(self, states, masks, rng):
        early = self.temperature
        if all(s.move_number < self.opening for s in states):
            self.temperature = 1.0
        try:
            return super().choose(states, masks, rng)
        finally:
            self.temperature = early


def entropy(model, planes: np.ndarray, temperature: float = 1.0) -> float:
    """Mean entropy (nats) of ``model``'s policy at ``temperature`` over ``planes``."""
    with torch.inference_mode():
        logits = model(torch.from_numpy(planes).float()).policy
    log_p = torch.log_softmax(logits / temperature, dim=1)
    return float(-(log_p.exp() * log_p).sum(dim=1).mean())


def matching_temperature(model, planes: np.ndarray, target: float) -> float:
    """The temperature at which ``model``'s mean entropy on ``planes`` is ``target``
    (bisection; entropy rises with temperature)."""
    low, high = 0.05, 1.0
    for _ in range(20):
        middle = (low + high) / 2
        low, high = (middle, high) if entropy(model, planes, middle) < target else (low, middle)
    return (low + high) / 2


def human_games(games: int) -> list:
    """``games`` held-out 9-dan games (the SL stage's split), none without ``../shared``."""
    data = DataConfig()
    if not all(Path(f).is_file() for f in data.games):
        return []
    return held_out_games(data, games)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rl", type=Path)
    parser.add_argument("--sl", type=Path,
                        default=Path("training/alphago-sl-small/model.safetensors"))
    parser.add_argument("--config", type=Path, default=Path("configs/alphago_rl.toml"))
    parser.add_argument("--games", type=int, default=40)
    parser.add_argument("--opening", type=int, default=8)
    parser.add_argument("--human-games", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    cfg = load_config(RLConfig, args.config)
    rl, sl = load_model(args.rl), load_model(args.sl)
    print(f"RL {args.rl} vs SL {args.sl}; {args.games} games per row, 19x19, komi {cfg.komi}, "
          f"cap {cfg.max_moves} moves, {cfg.cleanup_playouts} cleanup playouts; "
          f"load average {os.getloadavg()[0]:.1f}\n")
    planes = sampled_positions(PolicyPlayer(sl), 19, cfg.komi, np.random.default_rng(3),
                               games=8, moves=cfg.max_moves, keep=512)
    sharp = matching_temperature(sl, planes, entropy(rl, planes))
    rows = [("RL (T=1) vs SL (T=1): the paper's match", PolicyPlayer(rl), PolicyPlayer(sl)),
            ("SL (T=1) vs SL (T=1): control", PolicyPlayer(sl), PolicyPlayer(load_model(args.sl))),
            (f"RL (T=1) vs SL (T={sharp:.2f}: the RL net's entropy)", PolicyPlayer(rl),
             PolicyPlayer(sl, sharp)),
            ("RL (T=1) vs SL (T=0)", PolicyPlayer(rl), PolicyPlayer(sl, 0.0)),
            (f"RL (T=0) vs SL (T=0), first {args.opening} moves sampled",
             Opening(PolicyPlayer(rl, 0.0), args.opening),
             Opening(PolicyPlayer(sl, 0.0), args.opening))]
    print("| match | first's wins | games | win rate (95%) |")
    print("|---|---|---|---|")
    for name, first, second in rows:
        wins, games = match_win_rate(first, second, args.games, 19, cfg.komi, cfg.max_moves,
                                     cfg.min_pass_move, cfg.cleanup_playouts,
                                     np.random.default_rng(args.seed))
        low, high = wilson_interval(wins, games)
        print(f"| {name} | {wins} | {games} | {wins / games:.0%} ({low:.0%}–{high:.0%}) |",
              flush=True)
    print("\n| net | policy entropy (nats, SL's sampled positions) | top-1 vs 9-dan moves |")
    print("|---|---|---|")
    held = human_games(args.human_games)
    for name, model in (("SL", sl), ("RL", rl)):
        shown = "–"
        if held:
            with torch.inference_mode():
                accuracy = net_policy_accuracy(model, held, SkipStats())
            shown = f"{accuracy.top1:.1%} ({len(held)} held-out games)"
        print(f"| {name} | {entropy(model, planes):.3f} | {shown} |", flush=True)


if __name__ == "__main__":
    main()
