"""The vocabulary every layer shares: colours, points, moves.

- A *point* is ``(row, col)`` with ``(0, 0)`` the top-left corner (as drawn, A19 on 19×19).
- A *move* is a flat index ``row * size + col``; the pass is ``size * size``.
- Colours are ``BLACK = 1``, ``WHITE = -1``, ``EMPTY = 0``, so the opponent is ``-color``.

Board size is always an argument: nothing here (or anywhere) holds a global size.
"""

from __future__ import annotations

BLACK = 1
WHITE = -1
EMPTY = 0

MIN_SIZE = 2
MAX_SIZE = 25

Point = tuple[int, int]
Move = int

COLOR_NAMES = {BLACK: "black", WHITE: "white", EMPTY: "empty"}


def opponent(color: int) -> int:
    """The other player's colour."""
    return -color


def pass_move(size: int) -> Move:
    """The flat index of the pass on a ``size`` board."""
    return size * size


def is_pass(move: Move, size: int) -> bool:
    return move == size * size


def to_flat(point: Point, size: int) -> Move:
    row, col = point
    return row * size + col


def to_point(move: Move, size: int) -> Point:
    return divmod(move, size)


def parse_color(text: str) -> int:
    """'b', 'black', 'B', 'w', 'white', 'W' -> BLACK or WHITE; ValueError otherwise."""
    word = text.strip().lower()
    if word in ("b", "black"):
        return BLACK
    if word in ("w", "white"):
        return WHITE
    raise ValueError(f"invalid color {text!r}")


def color_name(color: int) -> str:
    return COLOR_NAMES[color]


def check_size(size: int) -> int:
    """Return ``size`` if dosaku supports it (2..25), else raise ValueError."""
    if not isinstance(size, int) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(
            f"board size must be an integer from {MIN_SIZE} to {MAX_SIZE}, got {size!r}")
    return size
