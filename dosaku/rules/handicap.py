"""Handicap stone placement as the GTP 2 specification fixes it (section 4.1.1).

Corner stones sit on the 3-3 points on boards up to 12×12 and on the 4-4 points from 13×13;
side and centre stones only exist on odd sizes. 7×7 and even sizes take at most 4 stones,
odd sizes from 9×9 at most 9, boards under 7×7 none. Free placement may use any number of
stones from 2 up to all points but one.
"""

from __future__ import annotations

import numpy as np

from .types import Move, check_size


def max_fixed_handicap(size: int) -> int:
    check_size(size)
    if size < 7:
        return 0
    return 4 if size == 7 or size % 2 == 0 else 9


def max_free_handicap(size: int) -> int:
    return check_size(size) * size - 1


def fixed_handicap(size: int, stones: int) -> list[Move]:
    """The GTP fixed-handicap points for ``stones`` (2..max) on a ``size`` board.

    Raises ValueError if the number is not allowed on this size.
    """
    top = max_fixed_handicap(size)
    if not 2 <= stones <= top:
        raise ValueError(f"invalid handicap {stones} for a {size}x{size} board (2..{top})"
                         if top else f"no fixed handicap on a {size}x{size} board")
    e = 2 if size <= 12 else 3
    lo, mid, hi = e, size // 2, size - 1 - e

    def at(row: int, col: int) -> Move:
        return row * size + col

    corners = [at(hi, lo), at(lo, hi), at(lo, lo), at(hi, hi)]  # D4 Q16 D16 Q4 on 19×19
    sides_lr = [at(mid, lo), at(mid, hi)]  # D10 Q10
    sides_tb = [at(hi, mid), at(lo, mid)]  # K4 K16
    centre = [at(mid, mid)]
    layouts = {
        2: corners[:2], 3: corners[:3], 4: corners,
        5: corners + centre, 6: corners + sides_lr, 7: corners + sides_lr + centre,
        8: corners + sides_lr + sides_tb, 9: corners + sides_lr + sides_tb + centre,
    }
    return layouts[stones]


def free_handicap_points(size: int, stones: int) -> list[Move]:
    """Where ``place_free_handicap`` puts ``stones`` black stones (2..size*size-1).

    The fixed placement as far as it goes; each further stone on the empty point that best
    trades distance from the stones so far (king's moves) against distance from the corner
    stones' line (third line up to 12x12, fourth above), ties to the lowest index.
    Deterministic. Raises ValueError for a count outside 2..size*size-1.
    """
    if not 2 <= stones <= max_free_handicap(size):
        raise ValueError(f"invalid number of stones {stones} for a {size}x{size} board")
    top = max_fixed_handicap(size)
    if stones <= top:
        return fixed_handicap(size, stones)
    chosen = fixed_handicap(size, top) if top >= 2 else []
    rows, cols = np.divmod(np.arange(size * size), size)
    line = np.minimum.reduce([rows, cols, size - 1 - rows, size - 1 - cols])
    off_line = np.abs(line - (2 if size <= 12 else 3))
    distance = np.full(size * size, 2 * size)
    for p in chosen:
        distance = np.minimum(distance, np.maximum(abs(rows - p // size), abs(cols - p % size)))
    while len(chosen) < stones:
        score = np.where(distance > 0, distance - off_line, -4 * size)
        p = int(np.argmax(score))
        chosen.append(p)
        distance = np.minimum(distance, np.maximum(abs(rows - p // size), abs(cols - p % size)))
    return chosen
