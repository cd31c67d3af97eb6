"""Strength of an AlphaGo Zero checkpoint on 9×9 beside the references the issue names: the raw
policy (one visit, no search), the net with search at a fixed number of visits and at a fixed
time per move, against GNU Go levels 1 and 10 and against the classical MCTS player at equal
time. Colours alternate, komi 7.5, Chinese rules, Tromp-Taylor count after clean-up; each
pairing is a ``dosaku match`` folder under ``--out`` (SGFs, results.jsonl; re-running skips
finished games).

Visits are a fair budget on a loaded machine (GNU Go's strength does not depend on time); a
time budget is what a user gets, and is what the issue's goal (1 s/move, one core) is stated
in: run the time rows on an otherwise idle machine.

Run: ``python benchmarks/zero_strength.py MODEL --games 20 --rows raw-gnugo1,visits-gnugo1``
(rows: raw-random, raw-gnugo1, visits-gnugo1, time-gnugo1, time-gnugo10, time-mcts).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

from dosaku.arena.match import MatchConfig, per_move_seconds, run_match  # noqa: E402

GNUGO = "gtp:/usr/games/gnugo --mode gtp --level {level} --chinese-rules"


def rows(model: str, visits: int, seconds: float) -> dict[str, tuple[str, str, str]]:
    """name -> (label, player spec, opponent spec)."""
    zero = f"zero:model={model}"
    return {
        "raw-random": ("raw policy (1 visit)", f"{zero},visits=1", "random"),
        "raw-gnugo1": ("raw policy (1 visit)", f"{zero},visits=1", GNUGO.format(level=1)),
        "visits-gnugo1": (f"search, {visits} visits", f"{zero},visits={visits}",
                          GNUGO.format(level=1)),
        "time-gnugo1": (f"search, {seconds:g} s/move", f"{zero},time={seconds:g}",
                        GNUGO.format(level=1)),
        "time-gnugo10": (f"search, {seconds:g} s/move", f"{zero},time={seconds:g}",
                         GNUGO.format(level=10)),
        "time-mcts": (f"search, {seconds:g} s/move", f"{zero},time={seconds:g}",
                      f"mcts:time={seconds:g}"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--games", type=int, default=20)
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rows", default="raw-random,raw-gnugo1,visits-gnugo1")
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("runs/zero-strength"))
    args = parser.parse_args(argv)
    table = rows(args.model, args.visits, args.seconds)
    lines = ["| player | opponent | games | wins | win rate (95% interval) | Elo (95%) | "
             "s/move (player) |", "|---|---|---|---|---|---|---|"]
    for name in args.rows.split(","):
        label, player, opponent = table[name]
        config = MatchConfig(black=player, white=opponent, out=str(args.out / name),
                             games=args.games, alternate=True, parallel=args.parallel,
                             move_timeout=max(60.0, 10 * args.seconds))
        report = run_match(config)
        s = report.overall
        low, high = s.interval
        elo_low, elo_high = s.elo_interval
        per_move = per_move_seconds(report).get("A")
        per_move = f"{per_move:.2f}" if per_move else "–"
        lines.append(f"| {label} | {opponent.split(' --chinese')[0].replace('gtp:', '')} | "
                     f"{s.games} | {s.score:g} | {s.rate:.0%} ({low:.0%}–{high:.0%}) | "
                     f"{s.elo:+.0f} ({elo_low:+.0f}, {elo_high:+.0f}) | "
                     f"{per_move} |")
        print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
