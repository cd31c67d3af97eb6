"""Networks, features and the rollout policy: size and CPU speed, one thread, fp32.

Four tables, in markdown:

1. every registered model: parameters, multiply-adds per position (``torch.utils.flop_counter``)
   and positions/s at batch 1 and 64 on 9x9 and 19x19 (``dosaku nets list``);
2. the depthwise-separable claim: a separable layer costs H*W*C*K^2 + H*W*C*M multiply-adds
   against H*W*C*M*K^2 for a standard convolution, a ratio of 1/M + 1/K^2; counted and timed
   for single layers, and for resnet/mobilenet nets of matching depth and width;
3. the fast rollout policy's microseconds per move beside the policy net's milliseconds per
   position (AlphaGo: 2 us against 3 ms, about 1,000x);
4. feature encoding: positions/s and planes/s for agz17 and alphago48 on 19x19 positions from
   real games (``../shared/data/games``; random games if absent).

Run: ``python benchmarks/nets.py [--out benchmarks/results/nets.md]`` or ``dosaku bench nets``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from dosaku.features import encoder_named  # noqa: E402
from dosaku.features.rollout import RolloutLayout, RolloutWeights  # noqa: E402
from dosaku.features.rollout_playout import rollout  # noqa: E402
from dosaku.io import SkipStats, iter_games  # noqa: E402
from dosaku.nets import create_model, model_names  # noqa: E402
from dosaku.nets.profile import (human, models_table, multiply_adds,  # noqa: E402
                                 parameter_count, positions_per_second)
from dosaku.rules.game import GameState  # noqa: E402

GAMES = Path(__file__).resolve().parents[2] / "shared" / "data" / "games"


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def layer_macs(layer: nn.Module, x: torch.Tensor) -> int:
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        layer(x)
    return counter.get_total_flops() // 2 // x.shape[0]


def separable_table(seconds: float) -> str:
    """Single 3x3 layers on 19x19, C = M channels: standard vs depthwise + pointwise."""
    n, k, batch = 19, 3, 64
    rows = []
    for c in (64, 128, 256):
        standard = nn.Conv2d(c, c, k, padding=1, bias=False)
        separable = nn.Sequential(nn.Conv2d(c, c, k, padding=1, groups=c, bias=False),
                                  nn.Conv2d(c, c, 1, bias=False))
        x = torch.rand(batch, c, n, n)
        counted = layer_macs(separable, x[:1]) / layer_macs(standard, x[:1])
        formula = (n * n * c * k * k + n * n * c * c) / (n * n * c * c * k * k)
        timed = (positions_per_second(standard, x, seconds)
                 / positions_per_second(separable, x, seconds))
        rows.append([f"C = M = {c}", f"{human(layer_macs(standard, x[:1]))}",
                     f"{human(layer_macs(separable, x[:1]))}", f"{formula:.4f}",
                     f"{counted:.4f}", f"{timed:.3f}"])
    head = ["3x3 layer, 19x19", "standard MACs", "separable MACs", "1/M + 1/K^2",
            "counted ratio separable/standard", "timed ratio separable/standard (b64)"]
    return table(head, rows) + (
        "\n\nThe count matches the formula exactly; the clock gives back much less, because a "
        "depthwise convolution does 9 multiply-adds per value it reads and writes and is "
        "bound by memory, not arithmetic, on a CPU.")


def matched_nets_table(seconds: float) -> str:
    """resnet_bXcY against mobilenet_bXcY (expansion 4) on 19x19."""
    rows = []
    for blocks, channels in ((6, 64), (10, 64), (10, 128)):
        nets = [create_model(f"{family}_b{blocks}c{channels}", board_size=19)
                for family in ("resnet", "mobilenet")]
        x = torch.rand(64, 17, 19, 19)
        macs = [multiply_adds(m) for m in nets]
        speed = [positions_per_second(m, x, seconds) for m in nets]
        rows.append([f"b{blocks}c{channels}", human(parameter_count(nets[0])),
                     human(parameter_count(nets[1])), human(macs[0]), human(macs[1]),
                     f"{macs[1] / macs[0]:.3f}", f"{speed[0]:,.0f}", f"{speed[1]:,.0f}",
                     f"{speed[0] / speed[1]:.3f}"])
    head = ["size", "resnet params", "mobilenet params", "resnet MACs/pos",
            "mobilenet MACs/pos", "counted ratio mobilenet/resnet", "resnet pos/s (b64)",
            "mobilenet pos/s (b64)", "timed ratio mobilenet/resnet"]
    return table(head, rows) + (
        "\n\nA mobilenet block (expansion 4) has about half the multiply-adds of a residual "
        "block of the same width, but moves four times wider activations through memory "
        "(expand, depthwise, batch norms), so on this CPU it takes longer.")


def rollout_table(seconds: float) -> str:
    """Rollout microseconds per move from the empty board against alphago_policy at batch 1."""
    layout = RolloutLayout()
    weights = RolloutWeights(np.random.default_rng(0).normal(0, 1, layout.size)
                             .astype(np.float32), layout)
    rows = []
    for n in (9, 19):
        state = GameState(n, komi=7.5)
        rollout(state, weights, seed=0)  # compile / load the numba cache
        moves, seed, start = 0, 1, time.perf_counter()
        while time.perf_counter() - start < seconds:
            moves += rollout(state, weights, seed=seed).moves
            seed += 1
        us_per_move = (time.perf_counter() - start) / moves * 1e6
        policy = create_model("alphago_policy", board_size=n)
        x = torch.rand(1, 48, n, n)
        ms_per_position = 1e3 / positions_per_second(policy, x, seconds)
        rows.append([f"{n}x{n}", f"{us_per_move:.2f}", f"{seed - 1}",
                     f"{ms_per_position:.2f}", f"{ms_per_position * 1e3 / us_per_move:,.0f}x"])
    head = ["board", "rollout us/move", "rollouts timed", "alphago_policy ms/position (b1)",
            "ratio (goal >= 1,000x)"]
    return table(head, rows)


def sample_positions(count: int) -> tuple[list[GameState], str]:
    """19x19 middle-game positions (moves 30-220) from real games, or random games."""
    rng = np.random.default_rng(0)
    positions = []
    files = sorted(GAMES.glob("*.sgf.gz")) if GAMES.is_dir() else []
    if files:
        for record in iter_games(files[0], on_error="skip", skip_stats=SkipStats()):
            if record.size != 19 or len(record.moves) < 60 or record.setup_black:
                continue
            state = GameState(19, record.komi)
            stop = int(rng.integers(30, min(220, len(record.moves))))
            try:
                for color, move in record.moves[:stop]:
                    state.play(move, color)
            except ValueError:
                continue
            positions.append(state)
            if len(positions) == count:
                return positions, f"{files[0].name}, moves 30-220"
    while len(positions) < count:
        state = GameState(19)
        for _ in range(int(rng.integers(30, 220))):
            state.play(int(rng.choice(state.legal_moves()[:-1])))
        positions.append(state)
    return positions, "random games"


def encoding_table(seconds: float) -> str:
    positions, source = sample_positions(200)
    rows = []
    for name in ("agz17", "alphago48"):
        encoder = encoder_named(name)
        out = np.empty((len(positions), encoder.planes, 19, 19), dtype=np.float32)
        encoder.encode_batch(positions[:2], out=out[:2])  # compile / load the numba cache
        done, start = 0, time.perf_counter()
        while done == 0 or time.perf_counter() - start < seconds:
            encoder.encode_batch(positions, out=out)
            done += len(positions)
        rate = done / (time.perf_counter() - start)
        rows.append([name, f"{encoder.planes}", f"{rate:,.0f}", f"{rate * encoder.planes:,.0f}",
                     f"{1e3 / rate:.3f}"])
    head = ["encoder", "planes", "positions/s (19x19)", "planes/s", "ms/position"]
    return table(head, rows) + f"\n\nPositions: {len(positions)} from {source}."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--models", nargs="+", help="only these models (default: all)")
    parser.add_argument("--out", type=Path, help="also write the tables to this file")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    sections = [
        f"dosaku nets benchmark: one core, torch {torch.__version__} fp32 CPU, "
        f"{args.seconds:g} s per cell, load average {load:.1f} at the start, "
        f"`python benchmarks/nets.py`",
        "### Models\n\n" + models_table(args.models or model_names(), (9, 19), (1, 64),
                                        args.seconds, progress=sys.stderr),
        "### Depthwise-separable layers\n\n" + separable_table(args.seconds),
        "### Matching resnet / mobilenet nets (19x19)\n\n" + matched_nets_table(args.seconds),
        "### Rollout policy vs policy network\n\n" + rollout_table(args.seconds),
        "### Feature encoding\n\n" + encoding_table(args.seconds),
    ]
    text = "\n\n".join(sections) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
