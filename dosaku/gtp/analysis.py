"""Live analysis over GTP: the ``lz-analyze`` and ``kata-analyze`` dialects GUIs speak.

Both print one line per update, ``info move D4 visits 120 winrate ... prior ... lcb ... order 0
pv D4 Q16 ...`` with one ``info`` block per candidate move, best first. Leela Zero's dialect
(Sabaki, Lizzie) gives winrate, prior and lcb as integers in 1/10000; KataGo's (KaTrain,
Sabaki, Lizzie) as floats in [0, 1] and may append ``ownership`` with one value per point
(from the top-left, row by row) when the evaluator provides it. Analysis stops when the next
command arrives; that command is then answered as usual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dosaku.rules.coords import to_gtp
from dosaku.search.puct import Node


@dataclass(frozen=True)
class AnalyzeRequest:
    color: int | None
    """Whose move to analyse (None: the side to move)."""
    interval: float = 1.0
    """Seconds between info lines (GTP gives centiseconds)."""
    max_moves: int = 1000
    """Candidate moves listed per line at most."""
    ownership: bool = False
    """KataGo dialect: append ``ownership`` values (only where the evaluator gives them)."""


def parse_analyze_args(args: list[str], parse_color) -> AnalyzeRequest:
    """``[COLOR] [INTERVAL] [KEY VALUE]...`` with keys interval, maxmoves, minmoves, ownership.

    Raises ValueError naming what is wrong.
    """
    words = list(args)
    color = None
    if words and not words[0].isdigit() and words[0] not in ("interval", "maxmoves",
                                                             "minmoves", "ownership"):
        color = parse_color(words.pop(0))
    interval, max_moves, ownership = 100, 1000, False
    if words and words[0].isdigit():
        interval = int(words.pop(0))
    while words:
        key = words.pop(0)
        if not words:
            raise ValueError(f"missing value for {key}")
        value = words.pop(0)
        if key == "interval":
            interval = int(value)
        elif key == "maxmoves":
            max_moves = int(value)
        elif key == "minmoves":
            int(value)  # accepted; every expanded move is listed anyway
        elif key == "ownership":
            ownership = value.lower() == "true"
        else:
            raise ValueError(f"unknown analyze option {key}")
    return AnalyzeRequest(color, max(interval, 1) / 100.0, max(max_moves, 1), ownership)


def principal_variation(node: Node, first: int, size: int, depth: int = 12) -> list[str]:
    """The most visited line from child ``first`` of ``node``."""
    line = [to_gtp(int(node.moves[first]), size)]
    child = node.children.get(first)
    while child is not None and child.expanded and len(line) < depth and child.visits > 0:
        i = int(np.argmax(child.visit_count))
        line.append(to_gtp(int(child.moves[i]), size))
        child = child.children.get(i)
    return line


def info_line(root: Node, request: AnalyzeRequest, dialect: str) -> str:
    """One update: an ``info`` block per visited move, most visited first."""
    if not root.expanded:
        return ""
    size = root.state.size
    order = [int(i) for i in np.argsort(-root.visit_count, kind="stable")
             if root.visit_count[i] > 0][:request.max_moves]
    blocks = []
    for rank, i in enumerate(order):
        n = float(root.visit_count[i])
        winrate = (root.value_sum[i] / n + 1.0) / 2.0  # value in [-1, 1] -> win rate
        lcb = max(0.0, winrate - 1.96 * math.sqrt(max(winrate * (1 - winrate), 1e-6) / n))
        prior = float(root.prior[i])
        pv = " ".join(principal_variation(root, i, size))
        move = to_gtp(int(root.moves[i]), size)
        if dialect == "lz":
            blocks.append(f"info move {move} visits {int(n)} winrate {round(winrate * 1e4)} "
                          f"prior {round(prior * 1e4)} lcb {round(lcb * 1e4)} order {rank} "
                          f"pv {pv}")
        else:
            blocks.append(f"info move {move} visits {int(n)} winrate {winrate:.6f} "
                          f"prior {prior:.6f} lcb {lcb:.6f} order {rank} pv {pv}")
    line = " ".join(blocks)
    ownership = getattr(root, "ownership", None)
    if dialect == "kata" and request.ownership and ownership is not None:
        line += " ownership " + " ".join(f"{v:.4f}" for v in ownership)
    return line
