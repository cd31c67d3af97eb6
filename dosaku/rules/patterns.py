"""3×3 shape patterns around an empty point: the MoGo playout patterns as a lookup table.

The *neighbourhood* of a point is its eight surrounding points, each EMPTY, BLACK, WHITE or OFF
(off the board): the four neighbours in :func:`dosaku.rules.board.geometry`'s ``nbr`` order
(up, left, right, down), then the four diagonals in ``diag`` order (up-left, up-right,
down-left, down-right), two bits each, gives a 16-bit *code*. A table of 65,536 booleans says
which codes match a pattern, so matching in a playout is eight loads and a look-up.

The patterns are the hand-made ones of MoGo (Gelly, Wang, Munos and Teytaud 2006,
"Modification of UCT with patterns in Monte-Carlo Go", INRIA RR-6062, figure 2) in the form
michi (Baudiš 2015) writes them: hane, cut, and edge shapes. In a pattern ``X`` and ``O`` are
stones of either colour (the table holds both colourings and all eight symmetries), ``.`` is
empty, ``x`` is anything but ``X`` (``o``: anything but ``O``), ``?`` is anything, and a space
is off the board. The centre is the (empty) candidate point.
"""

from __future__ import annotations

from functools import cache
from itertools import product

import numpy as np
from numba import njit

OFF = 3  # neighbourhood code of a point off the board; 0 empty, 1 black, 2 white

MOGO_PATTERNS = (
    ("XOX", "...", "???"),  # hane: enclosing hane
    ("XO.", "...", "?.?"),  # hane: non-cutting hane
    ("XO?", "X..", "x.?"),  # hane: magari
    (".O.", "X..", "..."),  # katatsuke or diagonal attachment
    ("XO?", "O.o", "?o?"),  # cut: unprotected cut
    ("XO?", "O.X", "???"),  # cut: peeped cut
    ("?X?", "O.O", "ooo"),  # cut: de (push between)
    ("OX?", "o.O", "???"),  # cut: keima cut
    ("X.?", "O.?", "   "),  # edge: chase
    ("OX?", "X.O", "   "),  # edge: block side cut
    ("?X?", "x.O", "   "),  # edge: block side connection
    ("?XO", "x.x", "   "),  # edge: sagari
    ("?OX", "X.O", "   "),  # edge: cut
)

# Grid cells (row, col) of the eight neighbourhood slots, in code order (nbr, then diag).
SLOTS = ((0, 1), (1, 0), (1, 2), (2, 1), (0, 0), (0, 2), (2, 0), (2, 2))
CELL_VALUES = {".": (0,), "X": (1,), "O": (2,), " ": (OFF,), "?": (0, 1, 2, OFF),
               "x": (0, 2, OFF), "o": (0, 1, OFF)}


def symmetries(rows: tuple[str, str, str]) -> list[tuple[str, ...]]:
    """The pattern in all eight orientations and both colourings."""
    grid = [list(r) for r in rows]
    out = []
    for _ in range(4):
        grid = [list(r) for r in zip(*grid[::-1], strict=True)]  # rotate 90 degrees
        for g in (grid, grid[::-1]):  # and its mirror image
            for swap in (False, True):
                text = ["".join(r) for r in g]
                if swap:
                    text = [r.translate(str.maketrans("XOxo", "OXox")) for r in text]
                out.append(tuple(text))
    return out


@cache
def pattern_table() -> np.ndarray:
    """bool[65536]: True where a neighbourhood code matches one of :data:`MOGO_PATTERNS`."""
    table = np.zeros(1 << 16, dtype=np.bool_)
    for pattern in MOGO_PATTERNS:
        for rows in symmetries(pattern):
            choices = [CELL_VALUES[rows[r][c]] for r, c in SLOTS]
            for values in product(*choices):
                table[sum(v << (2 * i) for i, v in enumerate(values))] = True
    table.setflags(write=False)
    return table


@njit(cache=True, inline="always")
def neighbourhood_code(stones, nbr, diag, p):
    """The 16-bit code of the eight points around ``p`` (see the module docstring)."""
    code = 0
    for k in range(4):
        q = nbr[p, k]
        v = OFF if q < 0 else (0 if stones[q] == 0 else (1 if stones[q] == 1 else 2))
        code |= v << (2 * k)
    for k in range(4):
        q = diag[p, k]
        v = OFF if q < 0 else (0 if stones[q] == 0 else (1 if stones[q] == 1 else 2))
        code |= v << (2 * (k + 4))
    return code


@njit(cache=True, inline="always")
def matches_pattern(table, stones, nbr, diag, p):
    """True if empty point ``p`` is the centre of a pattern of ``table``."""
    return table[neighbourhood_code(stones, nbr, diag, p)]
