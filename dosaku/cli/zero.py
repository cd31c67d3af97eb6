"""``dosaku zero run`` (the AlphaGo Zero loop, resumable) and ``dosaku zero plot RUN``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path


def add_parser(commands) -> None:
    """Register ``zero run`` and ``zero plot`` on ``commands`` (argparse subparsers)."""
    from dosaku.train.zero.config import ZeroConfig

    zero = commands.add_parser("zero", help="AlphaGo Zero: self-play, train, evaluate")
    steps = zero.add_subparsers(dest="zero_command", required=True)
    run = steps.add_parser("run", help="run or resume generations in a run folder")
    run.add_argument("--config", type=Path, default=None, help="TOML preset (configs/*.toml)")
    run.add_argument("--run-dir", type=Path, required=True, help="the run folder")
    fields = run.add_argument_group(
        "config fields", "any field of the preset, for this run (it is saved in the run "
        "folder's config.json; e.g. --generations 100 to go on, --workers 1)")
    for f in dataclasses.fields(ZeroConfig):
        kind = {"bool": lambda t: t.lower() in ("1", "true", "yes")}.get(f.type, None)
        kind = kind or {"int": int, "float": float, "str": str}.get(f.type, str)
        default = f.default if f.default is not dataclasses.MISSING else None
        fields.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, type=kind,
                            default=None, metavar=f.type.upper().split(" ")[0],
                            help=f"built-in default: {default}")
    run.set_defaults(run=run_zero_command)
    plot = steps.add_parser("plot", help="draw loss and Elo curves of a run to PNG")
    plot.add_argument("run_dir", type=Path)
    plot.add_argument("--out", type=Path, default=None, help="PNG path (default RUN/curves.png)")
    plot.add_argument("--pool", type=pool_size, default=4,
                      help="GNU Go checks pooled into one point (default 4: 40 games a point "
                           "at the default 10 games a check)")
    plot.set_defaults(run=plot_command)


def run_zero_command(args: argparse.Namespace) -> int:
    from dosaku.train.zero.config import ZeroConfig, load_config
    from dosaku.train.zero.loop import run_zero

    names = [f.name for f in dataclasses.fields(ZeroConfig)]
    overrides = {name: getattr(args, name) for name in names}
    try:
        run_zero(load_config(args.config, **overrides), args.run_dir)
    except ValueError as e:  # a config or checkpoint that does not fit (CheckpointError too)
        print(f"dosaku zero run: {e}", file=sys.stderr)
        return 2
    return 0


PAUSE_HOURS = 2.0
"""A gap this long between two metrics entries counts as a pause even without a ``start``
entry after it (runs logged before ``start`` entries existed, a process stopped by a signal):
no generation takes near it on a CPU."""


def running_hours(entries: list[dict]) -> dict[int, float]:
    """id(entry) -> hours the run had been running when it was logged: wall clock from the
    first entry, leaving out the gap before each ``start`` entry (the run was not running:
    killed, then resumed) and every gap over :data:`PAUSE_HOURS`."""
    out, total, last = {}, 0.0, None
    for e in entries:
        if "time" not in e:
            continue
        gap = 0.0 if last is None else e["time"] - last
        if e.get("phase") != "start" and gap < PAUSE_HOURS * 3600:
            total += gap
        last = e["time"]
        out[id(e)] = total / 3600
    return out


def pool_size(text: str) -> int:
    """``--pool``: a whole number of checks, at least 1 (argparse reports anything else)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def chained_elo(evals: list[dict]) -> list[tuple[dict, float, float]]:
    """(entry, Elo over generation 0, half-width of its 95% band) after each evaluation.

    The Elo is the sum of the accepted links (each generation against the one before it).
    Each link's interval is independent sampling error, so the band's half-width is the
    links' half-widths added in quadrature: after 80 links of 10 games (±200 each) it is
    ±1,800, which is why a long run's chained line can wander far from a direct match and
    needs the band (or :func:`pooled_matches` against a fixed opponent) to be read."""
    out, total, variance = [], 0.0, 0.0
    for e in evals:
        if e.get("accepted", True):
            total += e["elo"]
            half = (e.get("elo_high", e["elo"]) - e.get("elo_low", e["elo"])) / 2
            variance += half * half
        out.append((e, total, math.sqrt(variance)))
    return out


def pooled_matches(checks: list[dict], pool: int) -> list[tuple[list[dict], dict]]:
    """Consecutive matches against one fixed opponent, ``pool`` at a time, each group with
    the summary (win rate, Elo and their 95% intervals) of all its games together: 10 games
    give ±200 Elo, 40 about ±100, and the opponent never changes, so points compare."""
    from dosaku.arena.stats import MatchResult  # numpy only: plotting never loads torch

    if pool < 1:
        raise ValueError(f"pool must be at least 1, not {pool}")
    out = []
    for start in range(0, len(checks), pool):
        group = checks[start:start + pool]
        result = MatchResult(sum(e["wins"] for e in group), sum(e["games"] for e in group))
        out.append((group, result.summary()))
    return out


def plot_command(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = args.run_dir / "metrics.jsonl"
    if not metrics.is_file():
        print(f"dosaku zero plot: {args.run_dir} has no metrics.jsonl (not a dosaku zero run "
              f"folder)", file=sys.stderr)
        return 2
    entries = [json.loads(line) for line in metrics.read_text().splitlines() if line]
    train = [e for e in entries if e["phase"] == "train"]
    evals = [e for e in entries if e["phase"] == "eval"]
    gnugo = [e for e in entries if e["phase"] == "gnugo"]
    fig, (losses, elo, play) = plt.subplots(1, 3, figsize=(16, 4))
    for key in ("policy_loss", "value_loss", "ownership_loss"):
        points = [(e["generation"], e[key]) for e in train if key in e]
        if points:
            losses.plot(*zip(*points), marker=".", label=key.replace("_", " "))
    losses.set_xlabel("generation")
    losses.set_title("training loss")
    losses.legend()
    # Elo against wall-clock hours of running (the learning curve)
    running = running_hours(entries)

    def hours(e: dict) -> float:
        return running.get(id(e), 0.0)

    chain = chained_elo(evals)
    if chain:
        x = [hours(e) for e, _, _ in chain]
        y = [total for _, total, _ in chain]
        band = [half for _, _, half in chain]
        line, = elo.plot(x, y, marker=".", label="Elo vs. generation 0 (chained)")
        elo.fill_between(x, [a - b for a, b in zip(y, band)], [a + b for a, b in zip(y, band)],
                         color=line.get_color(), alpha=0.15,
                         label="chained 95% band (link errors add up)")
    if gnugo:
        points = [([hours(e) for e in group], summary)
                  for group, summary in pooled_matches(gnugo, args.pool)]
        elo.errorbar([sum(h) / len(h) for h, _ in points], [s["elo"] for _, s in points],
                     yerr=[[s["elo"] - s["elo_low"] for _, s in points],
                           [s["elo_high"] - s["elo"] for _, s in points]],
                     marker="o", capsize=3,
                     label=f"Elo vs. GNU Go level 1 ({args.pool} checks pooled a point)")
    elo.set_xlabel("wall-clock hours of running (pauses left out)")
    elo.set_title("strength")
    elo.legend()
    selfplay = [e for e in entries if e["phase"] == "selfplay" and e.get("games")]
    play.plot([e["generation"] for e in selfplay],
              [e["black_wins"] / e["games"] for e in selfplay], marker=".",
              label="Black's win rate")
    play.plot([e["generation"] for e in selfplay],
              [e["moves"] / e["games"] / 100 for e in selfplay], marker=".",
              label="game length / 100 moves")
    fresh = [e for e in selfplay if "value_calibration_error" in e]
    if fresh:  # the value head on the generation's new games, before it trains on them
        play.plot([e["generation"] for e in fresh], [e["value_mse_fresh"] for e in fresh],
                  marker=".", label="value MSE on new games")
        play.plot([e["generation"] for e in fresh],
                  [e["value_calibration_error"] for e in fresh], marker=".",
                  label="value calibration error")
    searched = [e for e in selfplay if e.get("search_value_mse_fresh") is not None]
    if searched:  # the full searches' root values against the same outcomes
        play.plot([e["generation"] for e in searched],
                  [e["search_value_mse_fresh"] for e in searched], marker=".",
                  label="search (root) value MSE on new games")
    play.set_xlabel("generation")
    play.set_title("self-play")
    play.legend()
    out = args.out or args.run_dir / "curves.png"
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(out)
    return 0
