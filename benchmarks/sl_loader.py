"""The SL data loader: positions/s of one loader process, parsing every game again (as before)
vs. parsing each game once (``ParsedGames``), on passes after the first.

A GPU trains the 13 x 192 SL net faster than 14 loader processes feed it (12,000 positions/s
on one H200, the GPU 14-49% busy; README): the loaders set the pace. A profile of one loader
on the 9-dan files: alphago48 encoding ~40% of its time (ladder planes), sgfmill parsing
~33%, replaying the moves ~18%. A run draws 16 positions of a game per pass and makes several
passes over the 72k games (6.15M positions = 5.3 passes), so every pass after the first can
skip sgfmill.

The benchmark streams the first ``--games`` training games of the Tom file (copied to a
temporary file) through :class:`PositionStream` in this process, lets the first pass go by,
then times ``--seconds`` of batches, once with the memo and once with a loader that parses
every game it draws.

Run: ``python benchmarks/sl_loader.py [--games 300 --seconds 10]`` (one thread, idle machine).
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
import time
from pathlib import Path

import torch

from dosaku.train.alphago import positions
from dosaku.train.alphago.config import DEFAULT_GAMES, SLConfig
from dosaku.train.alphago.positions import (ParsedGames, PlaneSampler, PositionStream,
                                            is_held_out, parse_or_error, raw_games)


class ParseEveryTime(ParsedGames):
    """The loader before the memo: sgfmill on every draw."""

    def get(self, source, index, line, chunk):
        return parse_or_error(source, index, line, chunk)


def first_games(source: Path, count: int, out: Path) -> Path:
    """The first ``count`` training (not held-out) games of ``source`` as a one-per-line file."""
    lines = []
    for index, _, chunk in raw_games(source):
        if not is_held_out(source, index, 10):
            lines.append(chunk.strip())
        if len(lines) == count:
            break
    with gzip.open(out, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    return out


def rate(cfg: SLConfig, games: int, seconds: float) -> float:
    """Positions/s of one in-process loader after its first pass over ``games`` games."""
    stream = iter(PositionStream(cfg, PlaneSampler(cfg.encoder), 256, epoch_seed=0))
    drawn = 0
    while drawn < 2 * games * cfg.positions_per_game:  # the first pass (and the buffers)
        drawn += len(next(stream)["moves"])
    start, made = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        made += len(next(stream)["moves"])
    return made / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--source", type=Path, default=Path(DEFAULT_GAMES[0]))
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = first_games(args.source, args.games, Path(tmp) / "first.sgf.gz")
        cfg = SLConfig(games=(str(path),), workers=0, game_buffer=50, position_buffer=1024,
                       holdout_per_mille=0)
        rate(cfg, args.games, 1.0)  # numba compiles
        rows = []
        for name, memo in (("parse every draw (before)", ParseEveryTime),
                           ("parse once (ParsedGames)", ParsedGames)):
            positions.ParsedGames = memo  # what PositionStream._games builds
            try:
                rows.append((name, rate(cfg, args.games, args.seconds)))
            finally:
                positions.ParsedGames = ParsedGames
    print(f"One loader process, {args.games} games of {args.source.name}, "
          f"{cfg.positions_per_game} positions a game a pass, alphago48, after the first pass\n")
    print("| loader | positions/s | × before |")
    print("|---|---|---|")
    for name, value in rows:
        print(f"| {name} | {value:,.0f} | {value / rows[0][1]:.2f}× |")


if __name__ == "__main__":
    main()
