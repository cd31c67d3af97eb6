"""Game records: one game's metadata and main line, and replaying it under the rules.

A *record* is what an SGF file says about one game, in dosaku's vocabulary: flat moves
(``row * size + col``, pass = ``size * size``), colours ``BLACK``/``WHITE``. It is plain data
that knows nothing of SGF syntax (that lives in :mod:`dosaku.io.sgf`) and does not check the
moves against the rules: :func:`game_state` does, by replaying them on a
:class:`~dosaku.rules.game.GameState`.

Terms:

- *move number*: 1 for the first move; 0 stands for the position before it (the SGF root),
  which is where root comments are keyed.
- *where*: the source (a file name or ``"<string>"``), the 1-based game number in it and,
  when known, the line the game starts on. Every :class:`SgfError` starts with it, so a bad
  game among fifty thousand can be found again.
- *rules text*: the SGF ``RU`` value as written; :attr:`GameRecord.rules` maps it to one of
  our presets when it names one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..rules.coords import to_gtp
from ..rules.game import GameState, IllegalMoveError
from ..rules.ruleset import CHINESE, Ruleset, ruleset_named
from ..rules.types import BLACK, EMPTY, WHITE, Move, check_size

COLOR_LETTERS = {BLACK: "B", WHITE: "W"}


class SgfError(ValueError):
    """A game that cannot be read or replayed. The message starts with where it is.

    ``source``, ``index`` (0-based game index in the source) and ``line`` (1-based line the
    game starts on, or None) locate the game; ``reason`` is the message without the location.
    """

    def __init__(self, reason: str, source: str = "<string>", index: int = 0,
                 line: int | None = None):
        self.reason = reason
        self.source = source
        self.index = index
        self.line = line
        super().__init__(f"{describe_location(source, index, line)}: {reason}")


def describe_location(source: str, index: int, line: int | None) -> str:
    """``'tom.sgf.gz game 17 (line 17)'``: the source, 1-based game number, and line if known."""
    text = f"{source} game {index + 1}"
    return text if line is None else f"{text} (line {line})"


# -- results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """A parsed SGF ``RE`` value: who won, and by how much or how.

    ``winner`` is BLACK, WHITE, or EMPTY for a draw (jigo). ``margin`` is the score difference
    when the game was counted and the margin written; ``reason`` is ``"resign"``, ``"time"`` or
    ``"forfeit"`` when it ended that way, else None.
    """

    winner: int
    margin: float | None = None
    reason: str | None = None

    def to_sgf(self) -> str:
        """The ``RE`` text: ``'B+3.5'``, ``'W+R'``, ``'B+T'``, ``'W+F'``, ``'B+'``, ``'0'``."""
        if self.winner == EMPTY:
            return "0"
        head = COLOR_LETTERS[self.winner] + "+"
        if self.reason is not None:
            return head + REASON_LETTERS[self.reason]
        return head if self.margin is None else head + f"{self.margin:g}"


REASON_LETTERS = {"resign": "R", "time": "T", "forfeit": "F"}
REASON_WORDS = {"r": "resign", "resign": "resign", "t": "time", "time": "time",
                "f": "forfeit", "forfeit": "forfeit"}
WIN_RE = re.compile(r"^\s*([BW])\s*\+\s*(.*?)\s*$", re.IGNORECASE)


def parse_result(text: str | None) -> Result | None:
    """Parse an SGF ``RE`` value; None when absent, void, unknown (``?``) or unreadable.

    Lenient on case and spacing (``'b+resign'``, ``'W + 0.5'``), since servers differ.
    """
    if text is None:
        return None
    word = text.strip().lower()
    if word in ("0", "draw", "jigo", "d"):
        return Result(EMPTY)
    m = WIN_RE.match(text)
    if not m:
        return None
    winner = BLACK if m.group(1).upper() == "B" else WHITE
    tail = m.group(2).lower()
    if tail == "":
        return Result(winner)
    if tail in REASON_WORDS:
        return Result(winner, reason=REASON_WORDS[tail])
    try:
        return Result(winner, margin=float(tail))
    except ValueError:
        return None


# -- the record ------------------------------------------------------------------------------

@dataclass(frozen=True)
class GameRecord:
    """One game: board, rules, set-up, the main line, and who/when/where.

    Sequences are stored as tuples (lists given to the constructor are converted), so a record
    is a value: two records are equal when they describe the same game, wherever they were read
    from (``source``, ``index`` and ``line`` take no part in comparisons).

    Raises ValueError on construction if the size is unsupported, a move or set-up point is off
    the board, a set-up point is listed twice, a colour is not BLACK/WHITE, or a comment is
    keyed past the last move.
    """

    size: int = 19
    """Board size, 2..25 (SGF ``SZ``; 19 when absent)."""
    komi: float = 0.0
    """Komi in points (``KM``; 0 when absent, as the SGF spec says)."""
    rules_text: str | None = None
    """The ``RU`` value as written, or None; see :attr:`rules` for the preset it names."""
    handicap: int = 0
    """Number of handicap stones (``HA``), 0 when absent."""
    setup_black: tuple[Move, ...] = ()
    """Points of the root ``AB`` stones, sorted."""
    setup_white: tuple[Move, ...] = ()
    """Points of the root ``AW`` stones, sorted."""
    setup_empty: tuple[Move, ...] = ()
    """Points of the root ``AE`` (cleared) points, sorted."""
    first_player: int = BLACK
    """Who moves first: ``PL`` if given, else the colour of the first move, else WHITE after
    handicap stones and BLACK otherwise."""
    moves: tuple[tuple[int, Move], ...] = ()
    """The main line as (colour, move); passes are ``size * size``."""
    result: str | None = None
    """The ``RE`` value as written; :attr:`outcome` parses it."""
    black_player: str | None = None
    """``PB``."""
    white_player: str | None = None
    """``PW``."""
    black_rank: str | None = None
    """``BR``."""
    white_rank: str | None = None
    """``WR``."""
    date: str | None = None
    """``DT``, as written (SGF dates are ISO ``YYYY-MM-DD`` lists, often not)."""
    event: str | None = None
    """``EV``."""
    place: str | None = None
    """``PC``."""
    comments: dict[int, str] = field(default_factory=dict, hash=False)
    """``C`` text keyed by move number (0 = root). Text follows SGF rules: tabs become spaces
    and line breaks ``\\n``, so only such text round-trips exactly."""
    source: str = field(default="<string>", compare=False)
    """Where the game was read from (a path or ``"<string>"``)."""
    index: int = field(default=0, compare=False)
    """0-based position of the game in its source."""
    line: int | None = field(default=None, compare=False)
    """1-based line the game starts on in its source, when known."""

    def __post_init__(self) -> None:
        check_size(self.size)
        self._normalise_setup()
        self._normalise_moves()
        if self.first_player not in COLOR_LETTERS:
            raise ValueError(f"first_player must be BLACK or WHITE, got {self.first_player!r}")
        if any(not 0 <= n <= len(self.moves) for n in self.comments):
            raise ValueError(f"comments keyed past the last move ({len(self.moves)})")
        object.__setattr__(self, "comments", dict(self.comments))

    def _normalise_setup(self) -> None:
        """Sort the set-up points into tuples; each point on the board, and listed once."""
        seen: set[Move] = set()
        for name in ("setup_black", "setup_white", "setup_empty"):
            points = tuple(sorted(int(p) for p in getattr(self, name)))
            if any(not 0 <= p < self.size * self.size for p in points):
                raise ValueError(f"{name} has a point off a {self.size}x{self.size} board")
            if seen.intersection(points) or len(set(points)) < len(points):
                raise ValueError(f"{name} repeats a set-up point")
            seen.update(points)
            object.__setattr__(self, name, points)

    def _normalise_moves(self) -> None:
        """Make the moves a tuple of int pairs; each a colour and a point or the pass."""
        moves = tuple((int(c), int(m)) for c, m in self.moves)
        for n, (color, move) in enumerate(moves, 1):
            if color not in COLOR_LETTERS or not 0 <= move <= self.size * self.size:
                raise ValueError(f"move {n} ({color}, {move}) is not a colour and a move "
                                 f"on a {self.size}x{self.size} board")
        object.__setattr__(self, "moves", moves)

    @property
    def rules(self) -> str | None:
        """Our preset named by ``RU`` ('chinese', 'japanese', 'tromp-taylor'), else None."""
        ruleset = self.ruleset
        return None if ruleset is None else ruleset.name

    @property
    def ruleset(self) -> Ruleset | None:
        """The :class:`Ruleset` preset ``RU`` names ('CN', 'Korean', 'TT', ...), else None."""
        if self.rules_text is None:
            return None
        try:
            return ruleset_named(self.rules_text.strip().replace(" ", "-"))
        except ValueError:
            return None

    @property
    def outcome(self) -> Result | None:
        """The parsed ``RE`` value (see :func:`parse_result`)."""
        return parse_result(self.result)

    @property
    def where(self) -> str:
        """``'tom.sgf.gz game 17 (line 17)'``: how error messages locate this game."""
        return describe_location(self.source, self.index, self.line)

    def error(self, reason: str) -> SgfError:
        """An :class:`SgfError` about this game, located by its source, index and line."""
        return SgfError(reason, self.source, self.index, self.line)


def default_first_player(moves, handicap: int) -> int:
    """Who moves first when ``PL`` does not say: the first mover, else WHITE after handicap."""
    if moves:
        return moves[0][0]
    return WHITE if handicap >= 2 else BLACK


# -- records and game states -----------------------------------------------------------------

def initial_state(record: GameRecord, ruleset: Ruleset | None = None) -> GameState:
    """The record's board before its first move: size, komi, rules (``ruleset``, else the
    record's, else Chinese), set-up stones and the first player. SgfError naming the set-up
    if its stones leave a chain without liberties."""
    state = GameState(record.size, record.komi, ruleset or record.ruleset or CHINESE)
    if record.setup_black or record.setup_white or record.setup_empty:
        try:
            state.setup(black=record.setup_black, white=record.setup_white,
                        empty=record.setup_empty, to_play=record.first_player)
        except ValueError as e:
            raise record.error(f"set-up: {e}") from e
    state.to_play = record.first_player
    return state


def game_state(record: GameRecord, ruleset: Ruleset | None = None) -> GameState:
    """Replay ``record`` on a fresh :class:`GameState`, checking every move against the rules.

    ``ruleset`` defaults to the preset the record's ``RU`` names, else Chinese (the most common
    in the data we read; pass one to judge a record under other rules). Colours are taken from
    the record, so two moves in a row by one player are replayed as written.

    Raises SgfError naming the game, the move number, the move and the reason, e.g.
    ``tom.sgf.gz game 17 (line 17): move 43 (B Q16): illegal: occupied``; or naming the
    set-up when set-up stones leave a chain without liberties.
    """
    state = initial_state(record, ruleset)
    for number, (color, move) in enumerate(record.moves, 1):
        try:
            state.play(move, color)
        except IllegalMoveError as e:
            what = f"{COLOR_LETTERS[color]} {to_gtp(move, record.size)}"
            raise record.error(f"move {number} ({what}): illegal: {e.reason}") from e
    return state


def record_from_state(state: GameState, **metadata: Any) -> GameRecord:
    """The record of ``state``'s game: its size, komi, ruleset name, set-up and moves.

    ``metadata`` sets the other :class:`GameRecord` fields (``black_player``, ``result``,
    ``comments`` by move number, ``handicap``, ...); an unknown name raises TypeError. The
    set-up is the board :meth:`GameState.setup` left, so ``AE`` points are not kept.
    """
    fields: dict[str, Any] = dict(
        size=state.size, komi=state.komi, rules_text=state.ruleset.name,
        setup_black=[p for c, p in state.setup_stones if c == BLACK],
        setup_white=[p for c, p in state.setup_stones if c == WHITE],
        first_player=state.initial_to_play, moves=list(state.moves))
    fields.update(metadata)
    return GameRecord(**fields)
