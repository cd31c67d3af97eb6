"""Where an SL loader process spends its time, per game: sgfmill parsing, replaying the moves,
encoding the drawn positions as alphago48 planes.

On one H200 the 13 x 192 SL net trained at 12,000 positions/s with 14 loader processes and
the GPU 14-49% busy (README): the loaders set the pace. This says which part of a loader to
make faster. A loader parses a game, replays it move by move (``GameState.play`` checks each
move) and encodes ``positions_per_game`` of its positions, each under a random symmetry
(:class:`~dosaku.train.alphago.positions.PositionStream`). The three are timed apart on the
first ``--games`` games of the Tom file, one process, one thread; cProfile is not used, as it
inflates sgfmill's pure-Python calls several-fold against the numba-compiled encoders.

Run: ``python benchmarks/sl_loader.py [--games 300]`` (idle machine).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from dosaku.train.alphago.config import DEFAULT_GAMES, SLConfig
from dosaku.train.alphago.positions import (PlaneSampler, PositionStream, parse_game,
                                            raw_games, replay)


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    out = work()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=300)
    parser.add_argument("--source", type=Path, default=Path(DEFAULT_GAMES[0]))
    args = parser.parse_args()
    torch.set_num_threads(1)
    chunks = []
    for index, line, chunk in raw_games(args.source):
        chunks.append((index, line, chunk))
        if len(chunks) == args.games:
            break
    parse_s, records = timed(lambda: [parse_game(c, str(args.source), i, n)
                                      for i, n, c in chunks])
    cfg = SLConfig(workers=0)
    stream = PositionStream(cfg, PlaneSampler(cfg.encoder), 256)
    rng = np.random.default_rng(0)
    stream._draw(records[0], rng)  # numba compiles
    replay_s, moves = timed(lambda: sum(1 for r in records for _ in replay(r)))
    draw_s, drawn = timed(lambda: sum(len(stream._draw(r, rng)) for r in records))
    encode_s = draw_s - replay_s  # _draw replays the whole game and encodes the drawn ones
    total = parse_s + draw_s
    n = len(records)
    print(f"One loader process, {n} games of {args.source.name} ({moves / n:.0f} moves a game), "
          f"{cfg.positions_per_game} positions drawn a game, {cfg.encoder}\n")
    print("| part | ms a game | share |")
    print("|---|---|---|")
    for name, seconds in (("sgfmill parse", parse_s), ("replay every move", replay_s),
                          (f"encode {drawn / n:.0f} positions (+ symmetry)", encode_s)):
        print(f"| {name} | {1e3 * seconds / n:.2f} | {seconds / total:.0%} |")
    print(f"| all | {1e3 * total / n:.2f} | {drawn / total:,.0f} positions/s |")


if __name__ == "__main__":
    main()
