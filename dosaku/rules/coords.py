"""Coordinate conversions between flat moves and the GTP and SGF notations.

GTP vertices are a column letter (A..Z skipping I) and a row number counted from the bottom:
on 19×19 the top-left point (0, 0) is ``A19``. SGF points are two letters, column then row,
from the top-left: (0, 0) is ``aa``. A pass is ``pass`` in GTP and the empty value (or ``tt``
on boards up to 19×19, an FF[3] habit) in SGF.
"""

from __future__ import annotations

from .types import Move, check_size, pass_move

GTP_COLUMNS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"


def to_gtp(move: Move, size: int) -> str:
    """Flat move -> GTP vertex ('D4', 'pass')."""
    if move == pass_move(size):
        return "pass"
    if not 0 <= move < size * size:
        raise ValueError(f"move {move} is off a {size}x{size} board")
    row, col = divmod(move, size)
    return f"{GTP_COLUMNS[col]}{size - row}"


def from_gtp(vertex: str, size: int) -> Move:
    """GTP vertex -> flat move. Case-insensitive; raises ValueError naming the vertex."""
    check_size(size)
    text = vertex.strip().upper()
    if text == "PASS":
        return pass_move(size)
    if len(text) < 2 or text[0] not in GTP_COLUMNS or not text[1:].isdigit():
        raise ValueError(f"invalid vertex {vertex!r}")
    col = GTP_COLUMNS.index(text[0])
    number = int(text[1:])
    if col >= size or not 1 <= number <= size:
        raise ValueError(f"vertex {vertex!r} is off a {size}x{size} board")
    return (size - number) * size + col


def to_sgf(move: Move, size: int) -> str:
    """Flat move -> SGF point ('dd'); the pass is ''."""
    if move == pass_move(size):
        return ""
    row, col = divmod(move, size)
    return chr(ord("a") + col) + chr(ord("a") + row)


def from_sgf(text: str, size: int) -> Move:
    """SGF point -> flat move; '' (and 'tt' on boards up to 19×19) is a pass."""
    if text == "" or (text == "tt" and size <= 19):
        return pass_move(size)
    if len(text) != 2 or not text.isalpha() or not text.islower():
        raise ValueError(f"invalid SGF point {text!r}")
    col, row = ord(text[0]) - ord("a"), ord(text[1]) - ord("a")
    if not (0 <= col < size and 0 <= row < size):
        raise ValueError(f"SGF point {text!r} is off a {size}x{size} board")
    return row * size + col
