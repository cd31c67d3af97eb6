"""AlphaGo's two move predictors side by side: the SL policy net and the fast rollout policy.

One thread, fp32, 19x19; every time is given as CPU time of this process and, in
parentheses, wall time (they differ when other jobs share the cores). For each net (the
small CPU preset, the paper's 13 x 192, and the ``--sl`` checkpoint if given):
microseconds per position of the forward pass at batch 1 and 64 (random planes: the cost
does not depend on them) and of the ``alphago48`` encoding. For the rollout policy:
microseconds per move of whole rollouts from middle-game positions of real games
(``rollout_playout``: incremental 3x3 weights), with the ``--rollout`` weights or zeros.
With ``--sl`` / ``--rollout`` files, top-1 / top-5 on ``--games`` held-out games (the
training split's) stand beside the times. Silver et al. 2016: 3 ms per position and 57.0%
for the net, 2 us per move and 24.2% for the rollout policy.

Run: ``python benchmarks/alphago_policies.py [--sl RUN/model.safetensors]
[--rollout RUN/rollout.safetensors] [--games 50] [--seconds 2]``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dosaku.features import encoder_named  # noqa: E402
from dosaku.features.rollout import RolloutWeights, load_rollout_weights  # noqa: E402
from dosaku.features.rollout_playout import rollout  # noqa: E402
from dosaku.io.sgf import SkipStats  # noqa: E402
from dosaku.nets import GoNet, create_model, load_model  # noqa: E402
from dosaku.rules.game import GameState  # noqa: E402
from dosaku.train.alphago.accuracy import (net_policy_accuracy,  # noqa: E402
                                           rollout_policy_accuracy)
from dosaku.train.alphago.config import DataConfig  # noqa: E402
from dosaku.train.alphago.positions import held_out_games, replay  # noqa: E402

GAMES = Path(__file__).resolve().parents[2] / "shared" / "data" / "games"


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def middle_game_positions(games, count: int) -> list[GameState]:
    """Positions at moves 30-150 of the given games (empty boards if there are none)."""
    rng = np.random.default_rng(0)
    out = []
    for record in games:
        if len(record.moves) < 60:
            continue
        stop = int(rng.integers(30, min(150, len(record.moves))))
        for number, (state, _) in enumerate(replay(record)):
            if number == stop:
                out.append(state.copy())
                break
        if len(out) >= count:
            break
    return out or [GameState(19, 7.5)]


class Clock:
    """Wall and CPU time of this process since start. On a shared machine the CPU time is the
    honest figure (one thread: CPU time is the time the work took when it had a core); the
    wall time shows what the contention cost."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def elapsed(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def cell(wall_cpu: tuple[float, float], count: int, digits: int = 0) -> str:
    """'CPU µs (wall µs)' per item."""
    wall, cpu = (t / count * 1e6 for t in wall_cpu)
    return f"{cpu:,.{digits}f} ({wall:,.{digits}f})"


@torch.inference_mode()
def net_us_per_position(model: GoNet, batch: int, seconds: float) -> str:
    x = torch.rand(batch, model.config.in_planes, 19, 19)
    model(x)
    calls, clock = 0, Clock()
    while clock.elapsed()[1] < seconds or calls < 2:
        model(x)
        calls += 1
    return cell(clock.elapsed(), calls * batch)


def encode_us(positions: list[GameState], seconds: float) -> str:
    encoder = encoder_named("alphago48")
    encoder.encode(positions[0])
    done, clock = 0, Clock()
    while clock.elapsed()[1] < seconds:
        encoder.encode(positions[done % len(positions)])
        done += 1
    return cell(clock.elapsed(), done)


def rollout_us_per_move(weights: RolloutWeights, positions: list[GameState],
                        seconds: float) -> tuple[str, int]:
    rollout(positions[0], weights, seed=0)  # compile / load the numba cache
    moves, seed, clock = 0, 1, Clock()
    while clock.elapsed()[1] < seconds:
        moves += rollout(positions[seed % len(positions)], weights, seed=seed).moves
        seed += 1
    return cell(clock.elapsed(), moves, 2), seed - 1


def percent(x: float | None) -> str:
    return "" if x is None else f"{x:.1%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sl", type=Path, default=None, help="an SL policy checkpoint")
    parser.add_argument("--rollout", type=Path, default=None, help="rollout weights")
    parser.add_argument("--games", type=int, default=50, help="held-out games for accuracy")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    files = tuple(str(p) for p in sorted(GAMES.glob("*.sgf.gz"))) if GAMES.is_dir() else ()
    need_games = files and (args.sl or args.rollout)
    held = held_out_games(DataConfig(games=files), args.games) if need_games else []
    sample = held or (held_out_games(DataConfig(games=files), 20) if files else [])
    positions = middle_game_positions(sample, 20)
    encoding = encode_us(positions, args.seconds)

    nets: list[tuple[str, GoNet]] = [
        ("alphago_policy 6x64 (CPU preset)", create_model("alphago_policy", blocks=6,
                                                          channels=64)),
        ("alphago_policy 13x192 (paper)", create_model("alphago_policy"))]
    if args.sl:
        nets.insert(0, (f"{args.sl}", load_model(args.sl)))
    rows = []
    for name, model in nets:
        accuracy = (net_policy_accuracy(model, held, SkipStats())
                    if held and name == str(args.sl) else None)
        b1 = net_us_per_position(model, 1, args.seconds)
        b64 = net_us_per_position(model, 64, args.seconds)
        rows.append([name, b1, b64, encoding,
                     percent(accuracy and accuracy.top1), percent(accuracy and accuracy.top5)])
    weights = load_rollout_weights(args.rollout) if args.rollout else RolloutWeights.zeros()
    us, timed = rollout_us_per_move(weights, positions, args.seconds)
    accuracy = rollout_policy_accuracy(weights, held, SkipStats()) if (
        held and args.rollout) else None
    rows.append([f"rollout policy ({args.rollout or 'zero weights'}), {timed} rollouts",
                 f"{us} per move", "", "", percent(accuracy and accuracy.top1),
                 percent(accuracy and accuracy.top5)])
    head = ["policy", "CPU (wall) us/position b1", "b64", "alphago48 encode us",
            f"top-1 ({len(held)} held-out games)", "top-5"]
    load = os.getloadavg()[0]
    text = (f"AlphaGo policies, one thread, torch {torch.__version__}, 19x19, "
            f"{args.seconds:g} s per cell, load average {load:.1f} at the end\n\n"
            + table(head, rows))
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
