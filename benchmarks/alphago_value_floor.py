"""The lowest MSE any value net could reach on the value stage's labels: the noise floor.

A value net regresses v(s) on one sampled outcome z of a game played on from s
(:mod:`dosaku.train.alphago.value`). Even the best possible net, v(s) = E[z | s], keeps the
MSE E[Var(z | s)], the noise of the continuation. This script draws ``--positions`` positions
as the value stage does (the SL net to move U − 1, a uniformly random move U, U uniform in
1..``--max-u``) and plays ``--repeats`` independent continuations from each with the RL net at
each ``--temperatures`` value (both sides, to two passes or ``--max-moves``, scored by
9 cleanup playouts). With k = repeats and m the mean of a position's k outcomes, the unbiased
estimate of Var(z | s) is k/(k−1)·(1 − m²); the table gives its mean (the floor) overall and by
U, beside the games' mean length and the CPU time per game.

The paper's 0.226 / 0.234 came from a far stronger RL net, whose games are decided by the
position; a weak, high-entropy policy's games are decided by its own later mistakes.

Run: ``python benchmarks/alphago_value_floor.py [--temperatures 1,0.5] [--positions 48]
[--repeats 8]`` (defaults: the shipped SL and RL nets, int8 sampling, one thread).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dosaku.nets import load_model  # noqa: E402
from dosaku.rules.game import GameState  # noqa: E402
from dosaku.train.alphago.selfplay import (PolicyPlayer, outcomes, play_games,  # noqa: E402
                                           with_int8_sampler)
from dosaku.train.alphago.value import value_mover  # noqa: E402

MODELS = Path("dosaku/models/alphago_19x19")
U_BUCKETS = ((1, 50), (51, 100), (101, 150), (151, 200), (201, 250))


def positions_at_u(sl: PolicyPlayer, u: np.ndarray, min_pass_move: int,
                   rng: np.random.Generator) -> list[tuple[GameState, int]]:
    """One game per entry of ``u``: the SL net to move U − 1, a random move U; the positions
    s_{U+1} of the games still running then (moves after U are random and cheap, until the
    last game reaches its U)."""
    states = [GameState(19, 7.5) for _ in u]
    at_u: dict[int, GameState] = {}

    def after_move(g: int, state: GameState) -> None:
        if state.move_number == u[g]:
            at_u[g] = state.copy()

    play_games(states, value_mover(sl, None, u), rng, int(u.max()), min_pass_move,
               after_move=after_move)
    return [(at_u[g], int(u[g])) for g in sorted(at_u) if not at_u[g].is_over]


def start_positions(sl: PolicyPlayer, count: int, max_u: int, min_pass_move: int,
                    rng: np.random.Generator) -> tuple[list, np.ndarray]:
    """``count`` positions s_{U+1} of the value stage and their U (drawn again for games that
    ended by passes before U)."""
    found: list[tuple[GameState, int]] = []
    while len(found) < count:
        u = rng.integers(1, max_u + 1, size=count - len(found))
        found += positions_at_u(sl, u, min_pass_move, rng)
    return [s for s, _ in found[:count]], np.array([u for _, u in found[:count]])


def floor_table(rl: PolicyPlayer, starts: list, us: np.ndarray, repeats: int,
                max_moves: int, min_pass_move: int, rng: np.random.Generator) -> dict:
    """Continuations of every start, ``repeats`` each: the floor overall and by U."""
    games = [s.copy() for s in starts for _ in range(repeats)]
    movers = [s.to_play for s in starts for _ in range(repeats)]
    began = time.process_time()
    play_games(games, lambda g, s: rl, rng, max_moves, min_pass_move)
    z = outcomes(games, 9, rng).reshape(len(starts), repeats)
    seconds = (time.process_time() - began) / len(games)
    z = z * np.array(movers).reshape(len(starts), repeats)  # the mover's view
    mean = z.mean(axis=1)
    variance = repeats / (repeats - 1) * (1 - mean ** 2)
    by_u = {f"{lo}-{hi}": float(variance[(us >= lo) & (us <= hi)].mean())
            for lo, hi in U_BUCKETS if ((us >= lo) & (us <= hi)).any()}
    return {"floor": float(variance.mean()), "by_u": by_u,
            "moves": float(np.mean([g.move_number for g in games])),
            "ended": float(np.mean([g.is_over for g in games])), "cpu_s": seconds}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sl", type=Path,
                        default=Path("training/alphago-sl-small/model.safetensors"))
    parser.add_argument("--rl", type=Path, default=MODELS / "rl_policy.safetensors")
    parser.add_argument("--temperatures", default="1,0.5")
    parser.add_argument("--positions", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--max-u", type=int, default=250)
    parser.add_argument("--max-moves", type=int, default=450)
    parser.add_argument("--min-pass-move", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rng = np.random.default_rng(args.seed)
    sl = with_int8_sampler(PolicyPlayer(load_model(args.sl), name="sl"), 19, 7.5, rng)
    starts, us = start_positions(sl, args.positions, args.max_u, args.min_pass_move, rng)
    print(f"SL {args.sl}, RL {args.rl} (int8 sampling); {args.positions} positions (U uniform "
          f"in 1..{args.max_u}), {args.repeats} continuations each to two passes or move "
          f"{args.max_moves}, 9 cleanup playouts; 19x19, komi 7.5\n")
    print("| RL temperature | floor E[Var(z given s)] | by U: " + " / ".join(
        f"{lo}-{hi}" for lo, hi in U_BUCKETS) + " | games ended by passes | mean moves | "
        "CPU s per game |")
    print("|---|---|---|---|---|---|")
    for temperature in (float(t) for t in args.temperatures.split(",")):
        rl = with_int8_sampler(PolicyPlayer(load_model(args.rl), temperature, name="rl"),
                               19, 7.5, rng)
        row = floor_table(rl, starts, us, args.repeats, args.max_moves, args.min_pass_move,
                          rng)
        by_u = " / ".join(f"{v:.2f}" for v in row["by_u"].values())
        print(f"| {temperature:g} | **{row['floor']:.3f}** | {by_u} | {row['ended']:.0%} | "
              f"{row['moves']:.0f} | {row['cpu_s']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
