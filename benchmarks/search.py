"""Search speed, one core: network evaluations per second inside the search vs. the raw
batched forward pass of the same network, and the tree's own overhead per simulation.

- Raw: the net's forward pass alone on (B, C, n, n) planes, positions per second.
- In search: a PUCT search with :class:`NetEvaluator` (planes encoded, random symmetry) at the
  same batch size, positions evaluated per second of search. The goal is >= 80% of raw: the
  rest is tree, encoding and Python overhead.
- Tree only: a uniform evaluator that costs nothing, so every microsecond is the tree's
  (selection, expansion: a GameState copy and a legal-move mask per node, virtual loss, backup).

- Player (``--player MODEL``): visits per second of the ``zero`` player over a checkpoint, one
  row per way of running its net (torch fp32, ``auto`` — what the model's gate record picks on
  this machine, the players' default — and any ``--variants`` such as ``onnxruntime/int8``),
  searching the same positions in turns, so a load change hits every row alike.

Run: ``python benchmarks/search.py`` or ``dosaku bench search``;
``python benchmarks/search.py --player dosaku/models/zero_9x9.safetensors --only-player``.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dosaku.agents.net_evaluator import NetEvaluator  # noqa: E402
from dosaku.nets import create_model  # noqa: E402
from dosaku.rules.game import GameState  # noqa: E402
from dosaku.search.evaluator import UniformEvaluator  # noqa: E402
from dosaku.search.puct import Search, SearchConfig  # noqa: E402


def tree_overhead(size: int, batch: int, simulations: int) -> float:
    """Microseconds per simulation of a fresh search from the empty board."""
    search = Search(UniformEvaluator(), SearchConfig(batch_size=batch), seed=0)
    search.run(GameState(size), 50)  # warm-up (numba kernels load here)
    search = Search(UniformEvaluator(), SearchConfig(batch_size=batch), seed=0)
    start = time.perf_counter()
    search.run(GameState(size), simulations)
    return (time.perf_counter() - start) / simulations * 1e6


def raw_forward(model, batch: int, seconds: float) -> float:
    """Positions per second of the bare forward pass."""
    c, n = model.config.in_planes, model.config.board_size
    planes = torch.from_numpy(np.random.default_rng(0).integers(0, 2, (batch, c, n, n))
                              .astype(np.float32))
    with torch.inference_mode():
        model(planes)
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            model(planes)
            done += batch
    return done / (time.perf_counter() - start)


def in_search(model, batch: int, seconds: float) -> float:
    """Positions the network evaluates per second while a PUCT search drives it."""
    evaluator = NetEvaluator(model, symmetry="random", seed=0)
    search = Search(evaluator, SearchConfig(batch_size=batch), seed=0)
    search.run(GameState(model.config.board_size), 2 * batch)  # warm-up
    evaluator.positions, start = 0, time.perf_counter()
    state = GameState(model.config.board_size)
    while time.perf_counter() - start < seconds:
        search.run(state, 4 * batch)
    return evaluator.positions / (time.perf_counter() - start)


def net_table(names: list[str], size: int, seconds: float) -> None:
    print("| net | board | batch | raw forward pos/s | in search pos/s | search / raw |")
    print("|---|---|---|---|---|---|")
    for name in names:
        model = create_model(name, board_size=size).eval()
        for batch in (1, 8, 32):
            raw = raw_forward(model, batch, seconds)
            inside = in_search(model, batch, seconds)
            print(f"| {name} | {size}x{size} | {batch} | {raw:,.0f} | {inside:,.0f} | "
                  f"{inside / raw:.0%} |")


def player_positions(size: int, count: int, seed: int = 0) -> list[GameState]:
    """The empty board and positions after 10, 20, ... random legal moves (no passes)."""
    rng, states, state = np.random.default_rng(seed), [GameState(size)], GameState(size)
    while len(states) < count:
        for _ in range(10):
            moves = [m for m in np.flatnonzero(state.legal_mask()) if m != state.pass_move]
            state.play(int(rng.choice(moves)))
        states.append(state.copy())
    return states


def player_table(model: str, variants: list[str], visits: int, rounds: int) -> None:
    """Visits/s of ``zero:model=...,visits=...`` per variant ``backend/precision``: each round
    every variant searches every position from scratch; the table sums the rounds."""
    from dosaku.agents.spec import build_agent

    agents = {v: build_agent(f"zero:model={model},visits={visits},seed=0,resign_threshold=-2,"
                             f"backend={v.split('/')[0]},precision={v.split('/')[1]}")
              for v in variants}
    size = next(iter(agents.values())).board_size
    states = player_positions(size, 6)
    seconds = dict.fromkeys(variants, 0.0)
    for agent in agents.values():
        agent.select_move(states[0])  # warm-up
    for _ in range(rounds):
        for name, agent in agents.items():
            start = time.perf_counter()
            for state in states:
                agent.search.root = None  # from scratch: no tree reuse between positions
                agent.search.run(state, visits)
            seconds[name] += time.perf_counter() - start
    searched = rounds * len(states) * visits
    base = searched / seconds[variants[0]]
    print(f"| {model} | backend/precision | runs as | visits/s | × {variants[0]} |")
    print("|---|---|---|---|---|")
    for name, agent in agents.items():
        rate = searched / seconds[name]
        runs = f"{agent.search.evaluator.backend}/{agent.search.evaluator.precision}"
        print(f"| | {name} | {runs} | {rate:,.0f} | {rate / base:.2f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=3000)
    parser.add_argument("--nets", nargs="+", default=["resnet_b6c64"])
    parser.add_argument("--size", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--player", help="a checkpoint: visits/s of the zero player over it")
    parser.add_argument("--variants", nargs="+", default=["torch/fp32", "auto/auto"],
                        help="backend/precision rows of the player table (first: the base)")
    parser.add_argument("--visits", type=int, default=800)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only-player", action="store_true")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    torch.set_num_threads(1)
    if args.player:
        player_table(args.player, args.variants, args.visits, args.rounds)
        print()
        if args.only_player:
            return
    net_table(args.nets, args.size, args.seconds)
    print()
    print("| board | batch | tree µs / simulation | simulations/s (tree only) |")
    print("|---|---|---|---|")
    for size in (9, 19):
        for batch in (1, 8, 32):
            us = tree_overhead(size, batch, args.simulations)
            print(f"| {size}x{size} | {batch} | {us:,.0f} | {1e6 / us:,.0f} |")


if __name__ == "__main__":
    main()
