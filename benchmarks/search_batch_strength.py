"""Strength at equal time of the PUCT player with leaf batches of 1, 8 and 32.

A bigger batch makes each network call cheaper per position (the forward pass amortises over
the batch) but the virtual loss spreads the leaves of one batch over worse moves (AlphaGo Zero,
"Search algorithm": batches of 8). Which wins at a fixed time per move is an empirical question
for each machine and net; this plays it out.

For every pair of batch sizes it plays a short match (``dosaku.arena``: colours alternating,
Chinese rules, Tromp-Taylor count after clean-up, one SGF per game, resumable) between two
``zero:`` players that differ only in ``batch_size``, then prints a table of win rates with 95%
Wilson intervals, and the network evaluations per second each batch size reaches inside the
search (measured separately, thinking on a few positions for ``--probe`` seconds each).

Run: ``python benchmarks/search_batch_strength.py --games 20 --time 0.2 --parallel 2
--options tidy_pass=1 --out runs/search-batch-strength-tidy``. ``tidy_pass=1`` matters with a
net whose value head has given up on one colour (gen0042 reads every White position as lost):
without it that side passes from ``min_pass_move`` on and the colour decides every game
(``benchmarks/results/search-batch-strength.md``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import torch  # noqa: E402

from dosaku.agents.spec import build_agent  # noqa: E402
from dosaku.arena.match import MatchConfig, per_move_seconds, run_match  # noqa: E402
from dosaku.nets import read_header  # noqa: E402
from dosaku.rules.game import GameState  # noqa: E402

DEFAULT_MODEL = "training/zero9x9/models/gen0042.safetensors"


def player(model: str, batch: int, seconds: float, extra: str = "") -> str:
    """The agent spec of the player with leaf batches of ``batch``. Resigning is off: a weak
    self-play net can be sure of the result from move one (gen0042 values every opening
    above 0.95 for Black), and the count, not the net, should decide these games."""
    spec = f"zero:model={model},batch_size={batch},time={seconds:g},resign_threshold=-1"
    return f"{spec},{extra}" if extra else spec


def probe_positions(size: int, moves: int = 3, count: int = 4) -> list[GameState]:
    """A few early positions: the empty board and some with stones on it (fixed moves)."""
    positions = [GameState(size)]
    for k in range(1, count):
        state = GameState(size)
        for i in range(moves * k):
            legal = [m for m in range(size * size) if state.is_legal(m)]
            state.play(legal[(7 * i + 13 * k) % len(legal)])
        positions.append(state)
    return positions


def evaluations_per_second(model: str, batch: int, seconds: float, size: int) -> float:
    """Positions the net evaluates per second inside the search, thinking ``seconds`` on each
    probe position with a fresh tree."""
    positions, elapsed = 0, 0.0
    for state in probe_positions(size):
        agent = build_agent(player(model, batch, seconds), seed=0)
        agent.warm_up()
        start_count = agent.search.evaluator.positions
        start = time.perf_counter()
        agent.think(state, visits=10**9, seconds=seconds)
        elapsed += time.perf_counter() - start
        positions += agent.search.evaluator.positions - start_count
    return positions / elapsed


def table(rows: list[dict], rates: dict[int, float], args: argparse.Namespace,
          size: int) -> str:
    """The results as Markdown."""
    lines = [f"# Strength at equal time: PUCT leaf batch sizes {', '.join(map(str, args.batches))}",
             "",
             f"Model `{args.model}` ({size}×{size}), {args.time:g} s per move, komi "
             f"{args.komi:g}, Chinese rules, colours alternating, Tromp-Taylor count after "
             f"clean-up; {args.games} games per pairing, {args.parallel or 1} at a time; "
             f"{'spec options ' + args.options + '; ' if args.options else ''}"
             f"{platform.processor() or platform.machine()}, torch threads 1.",
             "",
             "```sh",
             f"python benchmarks/search_batch_strength.py --model {args.model} --games "
             f"{args.games} --time {args.time:g} --batches "
             f"{','.join(map(str, args.batches))} --komi {args.komi:g} --parallel "
             f"{args.parallel} --out {args.out}"
             + (f" --options {args.options}" if args.options else ""),
             "```",
             "",
             "| A | B | games | A wins | A score | 95% interval | Elo A−B | Black wins | "
             "s/move A, B |",
             "|---|---|---:|---:|---:|---|---:|---:|---|"]
    for r in rows:
        s = r["stats"]
        low, high = s.interval
        elo = "±inf" if abs(s.elo) == float("inf") else f"{round(s.elo) + 0:+d}"
        lines.append(f"| batch {r['a']} | batch {r['b']} | {s.games} | {s.wins} | "
                     f"{100 * s.rate:.0f}% | {100 * low:.0f}–{100 * high:.0f}% | {elo} | "
                     f"{r['black']} | "
                     f"{r['times'].get('A', 0):.2f}, {r['times'].get('B', 0):.2f} |")
    if rates:
        lines += ["", "Network evaluations per second inside the search (one process, "
                  f"{args.probe:g} s on each of 4 early positions):", "",
                  "| batch | evaluations/s |", "|---:|---:|"]
        lines += [f"| {b} | {rate:,.0f} |" for b, rate in rates.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--games", type=int, default=20, help="games per pairing")
    parser.add_argument("--time", type=float, default=0.2, help="seconds per move")
    parser.add_argument("--batches", default="1,8,32", help="batch sizes, comma-separated")
    parser.add_argument("--komi", type=float, default=7.5)
    parser.add_argument("--parallel", type=int, default=1, help="games at once")
    parser.add_argument("--probe", type=float, default=2.0,
                        help="seconds per position of the evaluations/s probe (0: skip it)")
    parser.add_argument("--options", default="",
                        help="more spec options for both players, e.g. tidy_pass=1")
    parser.add_argument("--out", default="runs/search-batch-strength",
                        help="folder of the match folders (resumable)")
    parser.add_argument("--results", default=None, help="also write the table here")
    args = parser.parse_args(argv)
    args.batches = [int(b) for b in args.batches.split(",")]
    torch.set_num_threads(1)
    size = int(read_header(args.model)["board_size"])
    rates = {b: evaluations_per_second(args.model, b, args.probe, size) for b in args.batches
             if args.probe > 0}
    rows = []
    for a, b in itertools.combinations(args.batches, 2):
        config = MatchConfig(black=player(args.model, a, args.time, args.options),
                             white=player(args.model, b, args.time, args.options),
                             out=str(Path(args.out) / f"batch{a}-vs-batch{b}"),
                             games=args.games, size=size, komi=args.komi, alternate=True,
                             parallel=args.parallel, seed=1000 * a + b)
        report = run_match(config, progress=False)
        rows.append({"a": a, "b": b, "stats": report.overall,
                     "black": sum(o.winner == "B" for o in report.outcomes),
                     "times": per_move_seconds(report)})
        print(f"batch {a} vs batch {b}: A {report.overall.wins}-{report.overall.losses}",
              flush=True)
    text = table(rows, rates, args, size)
    print(text)
    if args.results:
        Path(args.results).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
