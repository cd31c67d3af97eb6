"""``dosaku ratings DIR...``: Bradley-Terry ratings over the games of many match folders.

Players are identified by their spec as written in the matches. Ratings are anchored so that
GNU Go at level 10 is 0 (or ``--anchor SPEC``); players never connected to the anchor by games
are rated relative to the most active player of their own group, and say so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(commands) -> None:
    """Register the ``ratings`` subcommand on ``commands`` (argparse subparsers)."""
    ratings = commands.add_parser("ratings", help="Bradley-Terry ratings over match folders",
                                  description=__doc__.split("\n\n")[0])
    ratings.add_argument("folders", nargs="+", help="match folders (holding results.jsonl)")
    ratings.add_argument("--anchor", default=None,
                         help="spec rated 0 (default: GNU Go level 10 if it played)")
    ratings.add_argument("--prior", type=float, default=2.0,
                         help="virtual draws between every pair that met (default 2)")
    ratings.add_argument("--plot", default=None, help="also draw the ratings to this image "
                         "file (needs matplotlib: pip install 'dosaku[plot]')")
    ratings.set_defaults(run=run)


def game_results(folders: list[str]) -> list[tuple[str, str, float]]:
    """(black spec, white spec, black's score) of every finished game in the folders."""
    from dosaku.arena.match import load_results

    results = []
    for folder in folders:
        if not (Path(folder) / "results.jsonl").exists():
            raise ValueError(f"{folder}: no results.jsonl (not a match folder?)")
        for o in load_results(Path(folder)).values():
            results.append((o.black, o.white, {"B": 1.0, "W": 0.0}.get(o.winner, 0.5)))
    return results


def format_ratings(ratings, anchor: str | None) -> str:
    """The table; ratings not relative to ``anchor`` say what they are relative to."""
    lines = [f"{'Elo':>6} {'±95%':>6} {'games':>6} {'score':>7}  player"]
    if anchor is None:
        lines.insert(0, "no GNU Go level 10 among the players: each group of connected players "
                        "is rated relative to its most active player")
    for r in ratings:
        note = "" if r.anchor == anchor else f"   (relative to {r.anchor})"
        lines.append(f"{r.elo:>+6.0f} {r.error:>6.0f} {r.games:>6} "
                     f"{100 * r.score / r.games:>6.1f}%  {r.player}{note}")
    return "\n".join(lines)


def plot(ratings, path: str) -> None:
    """A horizontal error-bar chart of the ratings, saved to ``path``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.4 * len(ratings)))
    ys = range(len(ratings))[::-1]
    ax.errorbar([r.elo for r in ratings], ys, xerr=[r.error for r in ratings], fmt="o")
    ax.set_yticks(list(ys), [r.player[:60] for r in ratings], fontsize=8)
    ax.axvline(0, color="grey", linewidth=0.5)
    ax.set_xlabel("Elo (the anchor at 0)")
    fig.tight_layout()
    fig.savefig(path)


def run(args: argparse.Namespace) -> int:
    from dosaku.arena.stats import bradley_terry, is_gnugo_level_10

    try:
        results = game_results(args.folders)
        ratings = bradley_terry(results, args.anchor, args.prior)
    except ValueError as e:
        print(f"dosaku ratings: {e}", file=sys.stderr)
        return 2
    if not ratings:
        print("dosaku ratings: no games between different players", file=sys.stderr)
        return 1
    anchor = args.anchor or next((r.player for r in ratings if is_gnugo_level_10(r.player)),
                                 None)
    if anchor is not None and all(r.player != anchor for r in ratings):
        print(f"dosaku ratings: anchor {anchor!r} played no games here", file=sys.stderr)
        return 2
    print(format_ratings(ratings, anchor))
    if args.plot:
        try:
            plot(ratings, args.plot)
        except ImportError:
            print("dosaku ratings: --plot needs matplotlib (pip install 'dosaku[plot]')",
                  file=sys.stderr)
            return 2
    return 0
