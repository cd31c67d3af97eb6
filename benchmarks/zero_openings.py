"""What a Zero net opens with on the empty 9×9 board, and what its self-play actually played:
the raw policy's mass on each line (1 = edge, 5 = the centre point), and the net's own value
of the first moves that matter (tengen, 4-4, 3-4, 3-3, and the second-line point its policy
likes), side by side for several checkpoints; with ``--shards``, the line of Black's first
move in the recorded self-play games, by generation range.

Why: every dosaku 9×9 net since r3 puts ~95% of its first-move prior on the second line,
an opening no strong 9×9 player uses, while its value head barely tells the first moves
apart (within ±0.05 of each other, tengen and the 4-4 point included). A prior that low
(0.2% a point) is never searched with 64 visits, so the policy target (the visit counts,
Silver et al. 2017, "Self-play training pipeline") never moves it: a lock-in of the kind
root noise and forced playouts (Wu 2019, section 3.1) are there to break. This measures
whether a recipe change breaks it.

Run: ``python benchmarks/zero_openings.py --models training/zero9x9-r3/models/gen0021.safetensors
dosaku/models/zero_9x9.safetensors --shards training/zero9x9-r5/shards --ranges 1-120,121-240``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from dosaku.agents.net_evaluator import NetEvaluator
from dosaku.features.agz import HistoryEncoder
from dosaku.rules.game import GameState
from dosaku.train.zero.buffer import read_shard, shard_paths

SIZE = 9
FIRST_MOVES = {"E5 (tengen)": (4, 4), "D6 (4-4)": (3, 3), "D7 (3-4)": (2, 3),
               "C7 (3-3)": (2, 2), "D8 (2nd line)": (1, 3)}


def line_of(move: int) -> int:
    """1 for the edge, 5 for the centre of a 9×9 board."""
    row, col = divmod(move, SIZE)
    return min(row, SIZE - 1 - row, col, SIZE - 1 - col) + 1


LINES = np.array([line_of(m) for m in range(SIZE * SIZE)])


def opening_row(model: str) -> str:
    evaluator = NetEvaluator(model, symmetry="average", backend="torch", precision="fp32")
    priors, _ = evaluator.evaluate([GameState(SIZE, 7.5)])
    mass = [priors[0][:SIZE * SIZE][LINES == k].sum() for k in range(1, 6)]
    after = []
    for row, col in FIRST_MOVES.values():
        state = GameState(SIZE, 7.5)
        state.play(row * SIZE + col)
        _, value = evaluator.evaluate([state])
        after.append(-float(value[0]))  # White to move: Black's view is minus it
    return (f"| `{model}` | " + " | ".join(f"{m:.1%}" for m in mass) + " | "
            + " | ".join(f"{v:+.3f}" for v in after) + " |")


def first_move_lines(folder: Path, lo: int, hi: int) -> tuple[int, np.ndarray]:
    """(positions, counts by line) of the recorded positions with one stone on the board,
    White to move: the stone is Black's first move."""
    counts, total = np.zeros(5, int), 0
    for path in shard_paths(folder, lo, hi):
        own, opponent = HistoryEncoder.current_stones(read_shard(path)[0])
        first = (opponent.sum((1, 2)) == 1) & (own.sum((1, 2)) == 0)
        moves = opponent[first].reshape(-1, SIZE * SIZE).argmax(1)
        counts += np.bincount(LINES[moves] - 1, minlength=5)
        total += int(first.sum())
    return total, counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--shards", type=Path)
    parser.add_argument("--ranges", default="1-9999", help="generation ranges, e.g. 1-120,121-240")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print("Empty board, raw policy (8 symmetries averaged): prior mass by line; then the net's "
          "value of the position after Black's first move, from Black's view.\n")
    print("| model | line 1 | line 2 | line 3 | line 4 | centre | "
          + " | ".join(FIRST_MOVES) + " |")
    print("|---|" + "---|" * (5 + len(FIRST_MOVES)))
    for model in args.models:
        print(opening_row(model))
    if args.shards:
        print(f"\nBlack's first move in the recorded self-play positions of {args.shards}, by line:"
              "\n\n| generations | games seen | line 1 | line 2 | line 3 | line 4 | centre |"
              "\n|---|---|---|---|---|---|---|")
        for span in args.ranges.split(","):
            lo, hi = (int(x) for x in span.split("-"))
            total, counts = first_move_lines(args.shards, lo, hi)
            shares = " | ".join(f"{c / max(total, 1):.1%}" for c in counts)
            print(f"| {lo}–{hi} | {total} | {shares} |")


if __name__ == "__main__":
    main()
