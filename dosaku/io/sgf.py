"""SGF files <-> game records, on sgfmill: read one game, write one, stream many.

sgfmill does the SGF syntax (tokens, escapes, encodings, compressed point lists); this module
maps its nodes to :class:`~dosaku.io.records.GameRecord` and back. Only the main line (the
first variation at every branch) is read.

Sources come in three shapes, all read by :func:`iter_games`:

- a single game (``game.sgf``);
- a collection, several games in one file (SGF allows ``(;...)(;...)``);
- one game per line, gzipped (``tom-9d-2003-2011.sgf.gz``: 50,955 games). These are streamed
  line by line, never loaded whole, and the line number is the game's address.

Lines are read as bytes and each game is decoded by its own ``CA`` property (default
ISO-8859-1, as the SGF spec says), so one mis-encoded game cannot spoil its neighbours.
Strings given to :func:`read_sgf` are taken as UTF-8 whatever their ``CA`` says.

Every failure is an :class:`~dosaku.io.records.SgfError` that names the source and game
(and the line, when known). A bad game is never dropped silently: with ``on_error="skip"``
it is counted in a :class:`SkipStats`.
"""

from __future__ import annotations

import dataclasses
import gzip
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Literal

from sgfmill import sgf, sgf_grammar

from .. import __version__
from ..rules.coords import from_sgf, to_sgf
from ..rules.game import GameState
from ..rules.types import BLACK, EMPTY, WHITE, check_size, parse_color
from .records import (COLOR_LETTERS, GameRecord, SgfError, default_first_player, game_state,
                      record_from_state)

GAME_START = re.compile(rb"\(\s*;")  # where sgfmill's tokeniser starts a game
TEXT_FIELDS = {"result": "RE", "black_player": "PB", "white_player": "PW", "black_rank": "BR",
               "white_rank": "WR", "date": "DT", "event": "EV", "place": "PC"}


# -- reading ---------------------------------------------------------------------------------

def read_sgf(data: str | bytes, source: str = "<string>", index: int = 0) -> GameRecord:
    """The ``index``-th game (0-based) of the SGF text ``data``, as a record.

    ``source`` names the data in error messages. Raises SgfError (naming source and game) if
    the SGF is malformed, a property value is bad, or there is no game ``index``. Moves are not
    checked against the rules: :func:`~dosaku.io.records.game_state` does that.
    """
    encoding = "UTF-8" if isinstance(data, str) else None
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    count = 0
    for i, line, chunk in split_collection(raw):
        if i == index:
            return parse_game(chunk, source, i, line, encoding)
        count += 1
    if count == 0:
        raise SgfError("no SGF data found", source, index)
    raise SgfError(f"no such game: the source holds {count}", source, index)


def split_collection(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """Cut SGF ``data`` into games: yields (0-based index, 1-based start line, game bytes).

    Uses sgfmill's tokeniser, which stops at the parenthesis closing a game, so a malformed
    game becomes one bad chunk (an error when parsed) and the games after it still read. A
    game broken mid-way may resynchronise on one of its own variations, read as a game.
    """
    position, line, index = 0, 1, 0
    while (m := GAME_START.search(data, position)) is not None:
        line += data.count(b"\n", position, m.start())
        _, end = sgf_grammar.tokenise(data, m.start())
        yield index, line, data[m.start():end]
        line += data.count(b"\n", m.start(), end)
        position, index = end, index + 1


def parse_game(data: bytes, source: str, index: int, line: int | None,
               encoding: str | None = None) -> GameRecord:
    """Parse the first game in ``data`` (decoded by ``encoding``, else its ``CA``) to a record.

    Raises SgfError located by ``source``, ``index`` and ``line``.
    """
    fail = partial(SgfError, source=source, index=index, line=line)
    try:
        game = sgf.Sgf_game.from_bytes(data, override_encoding=encoding)
    except ValueError as e:
        raise fail(f"malformed SGF: {e}") from e
    try:
        return record_from_sgfmill(game, fail, source=source, index=index, line=line)
    except SgfError:
        raise
    except (ValueError, LookupError) as e:  # a property sgfmill could not interpret or decode
        raise fail(f"bad property value: {e}") from e


def record_from_sgfmill(game: sgf.Sgf_game, fail, **where: Any) -> GameRecord:
    """The record of an sgfmill game's main line; ``fail(reason)`` makes the errors raised."""
    size = game.get_size()
    try:
        check_size(size)
    except ValueError as e:
        raise fail(f"SZ[{size}]: {e}") from e
    root = game.get_root()
    if root.has_property("GM") and root.get("GM") != 1:
        raise fail(f"not a game of Go: GM[{root.get('GM')}]")
    moves, comments, setup = read_main_line(game, size, fail)
    handicap = root_value(root, "HA", int, fail) or 0
    if root.has_property("PL"):
        first_player = root_value(root, "PL", parse_color, fail)
    else:
        first_player = default_first_player(moves, handicap)
    texts = {name: root.get(ident) if root.has_property(ident) else None
             for name, ident in TEXT_FIELDS.items()}
    return GameRecord(
        size=size, komi=root_value(root, "KM", read_komi, fail) or 0.0,
        rules_text=root.get("RU") if root.has_property("RU") else None, handicap=handicap,
        setup_black=[p for p, c in setup.items() if c == BLACK],
        setup_white=[p for p, c in setup.items() if c == WHITE],
        setup_empty=[p for p, c in setup.items() if c == EMPTY],
        first_player=first_player, moves=moves, comments=comments, **texts, **where)


def root_value(root: sgf.Node, ident: str, convert, fail) -> Any:
    """``convert`` applied to the root's raw ``ident`` text; None if absent; SgfError if bad."""
    if not root.has_property(ident):
        return None
    raw = root.get_raw(ident).decode("ascii", "replace")
    try:
        return convert(raw.strip())
    except ValueError as e:
        raise fail(f"bad {ident}[{raw}]") from e


def read_komi(text: str) -> float:
    """A finite number of points; ValueError otherwise (nan komi would poison every score)."""
    komi = float(text)
    if not math.isfinite(komi):
        raise ValueError(f"komi {text!r} is not finite")
    return komi


def read_main_line(game: sgf.Sgf_game, size: int, fail):
    """Walk the main line: (moves, comments by move number, set-up as {point: colour}).

    Set-up (AB/AW/AE) in any node before the first move is applied in order; set-up after a
    move cannot be replayed on a GameState, so it raises SgfError. Comments of nodes that share
    a move number (a move, then move-less nodes) are joined by a blank line.
    """
    moves: list[tuple[int, int]] = []
    comments: dict[int, str] = {}
    setup: dict[int, int] = {}
    for node in game.main_sequence_iter():
        if node.has_setup_stones():
            if moves:
                raise fail(f"set-up stones after move {len(moves)} are not supported")
            apply_setup(node, size, setup)
        letter, raw = node.get_raw_move()
        if letter is not None:
            moves.append((BLACK if letter == "b" else WHITE,
                          read_move(raw, size, len(moves) + 1, letter, fail)))
        if node.has_property("C"):
            n, text = len(moves), node.get("C")
            comments[n] = comments[n] + "\n\n" + text if n in comments else text
    return moves, comments, setup


def read_move(raw: bytes, size: int, number: int, letter: str, fail) -> int:
    """The flat move of a raw B/W value; SgfError naming the move number if off the board."""
    text = raw.decode("ascii", "replace")
    try:
        return from_sgf(text, size)
    except ValueError as e:
        raise fail(f"move {number} ({letter.upper()}[{text}]): {e}") from e


def apply_setup(node: sgf.Node, size: int, setup: dict[int, int]) -> None:
    """Apply a node's AB, AW, AE (in that order, as GameState.setup does) to ``setup``."""
    black, white, empty = node.get_setup_stones()  # sets of (row, col), row 0 at the bottom
    for color, points in ((BLACK, black), (WHITE, white), (EMPTY, empty)):
        for row, col in points:
            setup[(size - 1 - row) * size + col] = color


# -- writing ---------------------------------------------------------------------------------

def write_sgf(game: GameRecord | GameState, wrap: int | None = 79, **metadata: Any) -> bytes:
    """Serialise a record, or a GameState plus record ``metadata``, as one SGF game (UTF-8).

    Writes FF[4] GM[1] CA[UTF-8] SZ KM AP[dosaku:version], then RU HA PL AB AW AE and the
    game-info text fields when set, then one node per move (passes as ``B[]``/``W[]``), with
    each comment on the node of its move. ``PL`` is written only when the first player is not
    what a reader would infer, so :func:`read_sgf` gives back an equal record. ``metadata``
    replaces record fields (``black_player=...``, ``result=...``, ``comments={...}``).
    ``wrap`` is sgfmill's line width (None: one line, unless a comment holds a line break).
    """
    if isinstance(game, GameState):
        record = record_from_state(game, **metadata)
    else:
        record = dataclasses.replace(game, **metadata)
    sgf_game = sgf.Sgf_game(record.size, encoding="UTF-8")
    write_root(sgf_game.get_root(), record)
    node = sgf_game.get_root()
    for number, (color, move) in enumerate(record.moves, 1):
        node = node.new_child()
        node.set_raw(COLOR_LETTERS[color], to_sgf(move, record.size).encode("ascii"))
        if number in record.comments:
            node.set("C", record.comments[number])
    return sgf_game.serialise(wrap=wrap)


def write_root(root: sgf.Tree_node, record: GameRecord) -> None:
    """Set the root properties of ``record``: game info, rules, set-up, root comment."""
    root.set_raw("AP", f"dosaku:{__version__}".encode("ascii"))
    root.set("KM", record.komi)
    if record.rules_text is not None:
        root.set("RU", record.rules_text)
    if record.handicap:
        root.set_raw("HA", str(record.handicap).encode("ascii"))
    if record.first_player != default_first_player(record.moves, record.handicap):
        root.set_raw("PL", COLOR_LETTERS[record.first_player].encode("ascii"))
    for ident, points in (("AB", record.setup_black), ("AW", record.setup_white),
                          ("AE", record.setup_empty)):
        if points:
            root.set_raw_list(ident, [to_sgf(p, record.size).encode("ascii") for p in points])
    for name, ident in TEXT_FIELDS.items():
        if getattr(record, name) is not None:
            root.set(ident, getattr(record, name))
    if 0 in record.comments:
        root.set("C", record.comments[0])


# -- streaming -------------------------------------------------------------------------------

@dataclass
class SkipStats:
    """What :func:`iter_games` skipped: how many games, and the first few reasons.

    Filled in as the games stream; read it after the loop. ``reasons`` keeps the first
    ``keep`` messages (each an SgfError text naming source, game and line).
    """

    read: int = 0
    """Games yielded."""
    skipped: int = 0
    """Games skipped as bad."""
    reasons: list[str] = field(default_factory=list)
    """The first ``keep`` skip messages."""
    keep: int = 10
    """How many messages to keep."""

    def add(self, error: SgfError) -> None:
        self.skipped += 1
        if len(self.reasons) < self.keep:
            self.reasons.append(str(error))

    def __str__(self) -> str:
        total = self.read + self.skipped
        head = f"skipped {self.skipped} of {total} games"
        return head if not self.reasons else head + "; first: " + "; ".join(self.reasons)


def iter_games(path: str | Path, on_error: Literal["raise", "skip"] = "raise",
               skip_stats: SkipStats | None = None, *, check_legal: bool = False,
               one_per_line: bool | None = None) -> Iterator[GameRecord]:
    """Yield the games of an SGF file lazily, each with its source path, index and line.

    ``one_per_line`` (default: True for ``.gz`` files) streams the file a line at a time, one
    game per non-blank line; otherwise the file is read whole as a collection. With
    ``check_legal`` every game is also replayed (:func:`game_state`) and a game with an
    illegal move is bad. A bad game raises SgfError with ``on_error="raise"``; with
    ``on_error="skip"`` it is counted in ``skip_stats``, which is then required, so that no
    game is ever dropped without a count.

    Raises ValueError at the call (not at the first ``next``) for bad arguments; OSError if
    the file cannot be read; SgfError, in either mode, if a file read whole holds no SGF.
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    if on_error == "skip" and skip_stats is None:
        raise ValueError("on_error='skip' needs a SkipStats to count the skipped games")
    path = Path(path)
    if one_per_line is None:
        one_per_line = path.suffix == ".gz"
    return _iter_games(path, skip_stats if on_error == "skip" else None, check_legal,
                       one_per_line)


def _iter_games(path: Path, skip_stats: SkipStats | None, check_legal: bool,
                one_per_line: bool) -> Iterator[GameRecord]:
    chunks = file_lines(path) if one_per_line else file_collection(path)
    for index, line, chunk in chunks:
        try:
            record = parse_game(chunk, str(path), index, line)
            if check_legal:
                game_state(record)
        except SgfError as e:
            if skip_stats is None:
                raise
            skip_stats.add(e)
            continue
        if skip_stats is not None:
            skip_stats.read += 1
        yield record


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, gunzipped if its name ends in ``.gz``."""
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def file_lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(index, line, bytes) of each non-blank line: a one-game-per-line file, streamed."""
    index = 0
    with open_binary(path) as f:
        for line, text in enumerate(f, 1):
            if text.strip():
                yield index, line, text
                index += 1


def file_collection(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(index, line, bytes) of each game of a whole-file SGF collection."""
    with open_binary(path) as f:
        data = f.read()
    if not GAME_START.search(data):
        raise SgfError("no SGF data found", str(path), 0)
    yield from split_collection(data)
