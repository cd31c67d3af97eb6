"""What a Zero run did, summed from its ``metrics.jsonl`` for a range of generations: games,
moves, recorded positions, optimizer steps, running hours (pauses left out, as ``dosaku zero
plot`` counts them), losses at the first and last generation, fresh-game value MSE, and the
loop's GNU Go games — the figures a model card quotes, so that none is summed by hand.
Games and recorded positions are counted from the run's shards, which hold every finished
game; moves only from the log, whose self-play entries missed the games of a generation
resumed after a kill until 2026-11-30 (those generations are named).

Run: ``python benchmarks/zero_run_totals.py training/zero9x9-r6 --first 1 --last 80``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from dosaku.cli.zero import running_hours
from dosaku.train.zero.buffer import shard_paths


def shard_counts(run: Path, first: int, last: int) -> tuple[int, int]:
    """(games, recorded positions) in the run's shards of generations ``first``-``last``."""
    games = positions = 0
    for path in shard_paths(run / "shards", first, last):
        with np.load(path) as shard:
            games += int(shard["games"])
            positions += len(shard["value"])
    return games, positions


def first_last_ten(values: list[float]) -> str:
    """Means of the first and of the last ten values, as ``a / b``; ``-`` when none."""
    if not values:
        return "-"
    first, last = values[:10], values[-10:]
    return f"{sum(first) / len(first):.3f} / {sum(last) / len(last):.3f}"


def totals(run: Path, first: int, last: int) -> list[str]:
    metrics = run / "metrics.jsonl"
    if not metrics.is_file():
        raise SystemExit(f"{run}: no metrics.jsonl (not a dosaku zero run folder)")
    entries = [json.loads(line) for line in metrics.read_text().splitlines()]
    hours = running_hours(entries)
    chosen = [e for e in entries if first <= e.get("generation", -1) <= last and "phase" in e]
    by_phase = {p: [e for e in chosen if e["phase"] == p]
                for p in ("selfplay", "train", "gnugo")}
    play, train, gnugo = by_phase["selfplay"], by_phase["train"], by_phase["gnugo"]
    if not play or not train:
        raise SystemExit(f"{run}: no self-play and training entries in generations "
                         f"{first}-{last}")
    before = [hours[id(e)] for e in entries[:entries.index(chosen[0])] if id(e) in hours]
    began = before[-1] if before else 0.0  # the range runs from the entry before its first
    ended = max(hours[id(e)] for e in chosen if id(e) in hours)
    mse = [e["value_mse_fresh"] for e in play if "value_mse_fresh" in e]
    searched = [e["search_value_mse_fresh"] for e in play
                if e.get("search_value_mse_fresh") is not None]
    games, positions = shard_counts(run, first, last)
    if games == 0:  # a folder without its shards: the log's figures
        games, positions = sum(e["games"] for e in play), sum(e["positions"] for e in play)
    logged = {e["generation"] for e in play}
    trained = sorted({e["generation"] for e in train})
    unlogged = [g for g in trained if g not in logged]
    moves = f"{sum(e['moves'] for e in play):,}"
    if unlogged:
        moves += f" (without generation{'s' * (len(unlogged) > 1)} " \
                 f"{', '.join(map(str, unlogged))}: resumed, no self-play entry)"
    rows = [("generations", f"{first}–{last}"),
            ("games", f"{games:,}"),
            ("moves", moves),
            ("recorded positions", f"{positions:,}"),
            ("optimizer steps", f"{sum(e['steps'] for e in train):,}"),
            ("running hours in the range", f"{ended - began:.2f}"),
            ("policy loss first → last",
             f"{train[0]['policy_loss']:.3f} → {train[-1]['policy_loss']:.3f}"),
            ("policy entropy first → last",
             f"{train[0]['policy_entropy']:.3f} → {train[-1]['policy_entropy']:.3f}"),
            ("value loss first → last",
             f"{train[0]['value_loss']:.3f} → {train[-1]['value_loss']:.3f}"),
            ("fresh-game value MSE, mean of first / last 10", first_last_ten(mse)),
            ("fresh-game search (root) value MSE, mean of first / last 10",
             first_last_ten(searched)),
            ("loop GNU Go games won", f"{sum(e['wins'] for e in gnugo):g} of "
                                      f"{sum(e['games'] for e in gnugo)}")]
    return ["| figure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--last", type=int, default=10**9)
    args = parser.parse_args(argv)
    table = totals(args.run, args.first, args.last)
    print(f"`{args.run}`\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
