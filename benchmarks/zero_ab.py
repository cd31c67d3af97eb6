"""The measured effect of a Zero recipe option: two runs that differ in it, side by side.

KataGo's efficiency options (Wu 2019: playout cap randomization, policy target pruning, the
auxiliary ownership head) are claims about learning per game. Two ``dosaku zero run`` folders
made from the same seed and recipe but for the option, run for the same generations, are
compared here on what the option should change:

- per generation: policy loss, value loss and policy entropy of each run's training step
  (the same window sizes, so the same data budget) and self-play games/hour;
- the last generation each has in common, head to head: ``--games`` games at ``--visits``
  visits a move, colours alternating (a ``dosaku match`` folder under ``--out``).

Run: ``python benchmarks/zero_ab.py training/ab-ownership/base training/ab-ownership/own
--games 40 --visits 64 --out benchmarks/results/zero-ab-ownership``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

from dosaku.arena.match import MatchConfig, run_match  # noqa: E402


def phases(run: Path, phase: str) -> dict[int, dict]:
    """generation -> the metrics entry of ``phase`` (the last one, after a resume)."""
    lines = (run / "metrics.jsonl").read_text().splitlines()
    entries = (json.loads(line) for line in lines if line)
    return {e["generation"]: e for e in entries if e.get("phase") == phase}


def curve_table(runs: list[Path], names: list[str]) -> tuple[str, int]:
    """The per-generation table, and the last generation both runs trained."""
    train = [phases(r, "train") for r in runs]
    play = [phases(r, "selfplay") for r in runs]
    common = sorted(set(train[0]) & set(train[1]))
    if not common:
        raise SystemExit(f"{runs[0]} and {runs[1]} have no trained generation in common")
    head = ["generation"] + [f"{m} ({n})" for m in ("policy loss", "value loss", "entropy",
                                                    "games/hour") for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for g in common:
        cells = [str(g)]
        for key in ("policy_loss", "value_loss", "policy_entropy"):
            cells += [f"{t[g][key]:.3f}" for t in train]
        cells += [f"{p[g]['games_per_hour']:,.0f}" if p.get(g, {}).get("games_per_hour")
                  else "–" for p in play]
        lines.append("| " + " | ".join(cells) + " |")
    totals = []
    for name, p in zip(names, play):
        done = [p[g] for g in common if g in p]
        games, moves = sum(e["games"] for e in done), sum(e["moves"] for e in done)
        hours = sum((e["games"] - e.get("resumed_games", 0)) / e["games_per_hour"]
                    for e in done if e.get("games_per_hour"))  # games played before a
        # kill (a resumed generation's) were never timed: left out of the hours
        totals.append(f"{name} {games:,} games, {moves:,} moves, {hours:.2f} h")
    lines.append(f"\nself-play to generation {common[-1]}: " + "; ".join(totals))
    return "\n".join(lines), common[-1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs=2, help="run folders: A (reference) and B")
    parser.add_argument("--names", default="A,B", help="labels of the two runs")
    parser.add_argument("--games", type=int, default=40)
    parser.add_argument("--visits", type=int, default=64)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("runs/zero-ab"))
    args = parser.parse_args(argv)
    names = args.names.split(",")
    table, last = curve_table(args.runs, names)
    print(table, flush=True)
    models = [r / "models" / f"gen{last:04d}.safetensors" for r in args.runs]
    for m in models:
        if not m.is_file():
            raise SystemExit(f"{m}: no such model (the runs' model files are named genNNNN)")
    config = MatchConfig(black=f"zero:model={models[1]},visits={args.visits}",
                         white=f"zero:model={models[0]},visits={args.visits}",
                         out=str(args.out), games=args.games, alternate=True,
                         parallel=args.parallel)
    s = run_match(config).overall
    low, high = s.interval
    print(f"\ngeneration {last}, {args.visits} visits a move, colours alternating: "
          f"{names[1]} won {s.score:g} of {s.games} against {names[0]} "
          f"({s.rate:.0%}, 95% interval {low:.0%}–{high:.0%}; Elo {s.elo:+.0f}).")


if __name__ == "__main__":
    main()
