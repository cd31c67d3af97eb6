"""How much noise a move cap puts into the value net's labels: games to the cap, then scored.

The value stage labels each kept position with its game's outcome z
(:mod:`dosaku.train.alphago.value`). A game stopped at ``max_moves`` before both sides passed
is scored by the majority of ``cleanup_playouts`` random playouts
(:func:`dosaku.train.alphago.selfplay.cleanup_outcome`): on a settled board that is the area
count, on an unsettled one a coin weighted by a Monte-Carlo estimate. For each cap the table
gives how many of ``--games`` RL-net games ended by two passes before it, and how often a
9-playout label (20 seeds per game) agrees with the 201-playout majority of the same final
board (1.0: the label is a property of the board, not of the dice).

Run: ``python benchmarks/alphago_value_labels.py [--rl RL.safetensors] [--caps 300,450]
[--games 24]`` (default: the shipped RL net).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dosaku.nets import load_model  # noqa: E402
from dosaku.rules.game import GameState  # noqa: E402
from dosaku.train.alphago.selfplay import (PolicyPlayer, cleanup_outcome,  # noqa: E402
                                           play_games)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rl", type=Path,
                        default=Path("dosaku/models/alphago_19x19/rl_policy.safetensors"))
    parser.add_argument("--caps", default="300,450")
    parser.add_argument("--games", type=int, default=24)
    parser.add_argument("--min-pass-move", type=int, default=150)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    player = PolicyPlayer(load_model(args.rl))
    print(f"{args.rl}, sampling (T = 1) against itself, 19x19, komi 7.5; passes from move "
          f"{args.min_pass_move}\n")
    print("| max_moves | games ended by two passes | mean moves | 9-playout label = "
          "201-playout majority (mean) | (worst game) |")
    print("|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for cap in (int(c) for c in args.caps.split(",")):
        states = [GameState(19, 7.5) for _ in range(args.games)]
        play_games(states, lambda g, s: player, rng, cap, args.min_pass_move)
        majority = [cleanup_outcome(s, 201, 12345) for s in states]
        agreement = [np.mean([cleanup_outcome(s, 9, seed) == m for seed in range(20)])
                     for s, m in zip(states, majority)]
        ended = sum(s.is_over for s in states)
        moves = np.mean([s.move_number for s in states])
        print(f"| {cap} | {ended}/{len(states)} | {moves:.0f} | {np.mean(agreement):.3f} | "
              f"{np.min(agreement):.2f} |", flush=True)


if __name__ == "__main__":
    main()
