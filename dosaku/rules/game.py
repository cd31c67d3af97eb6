"""GameState: one game of Go on one board, with its ruleset, history and superko record.

Every other layer talks to the rules through this class. It owns NumPy arrays worked on by the
numba kernels in :mod:`dosaku.rules.board`; copying a state is a handful of array copies, so the
search can keep one per node. The board size is fixed per object: there is no global size.

Hashing: the position hash is the XOR of the Zobrist keys of the stones (plus a constant, so no
position hashes to 0). Under positional superko the history records position hashes; under
situational superko it records them mixed with the side to move. A move is illegal if the key it
would produce is in the history: an O(1) look-up in an open-addressing table.
"""

from __future__ import annotations

import numpy as np

from . import board as kernels
from .board import HEAD, LIBS, SIZE
from .coords import GTP_COLUMNS, to_gtp
from .ruleset import CHINESE, Ruleset
from .types import BLACK, EMPTY, WHITE, Move, check_size, color_name

BASE_KEY = np.uint64(0x9E3779B97F4A7C15)
SIDE_KEY = np.uint64(0xD1B54A32D192ED03)

PLAY_REASONS = {
    kernels.ILLEGAL_OCCUPIED: "occupied",
    kernels.ILLEGAL_KO: "ko",
    kernels.ILLEGAL_SUICIDE: "suicide",
    kernels.ILLEGAL_SUPERKO: "superko",
}


class IllegalMoveError(ValueError):
    """A move the rules forbid; ``reason`` is one of: off board, occupied, ko, suicide, superko."""

    def __init__(self, reason: str, move: Move | None = None, color: int | None = None,
                 size: int | None = None):
        self.reason = reason
        self.move = move
        self.color = color
        where = ""
        if move is not None and size is not None and 0 <= move <= size * size:
            who = f" {color_name(color)}" if color else ""
            where = f"{who} {to_gtp(move, size)}"
        super().__init__(f"illegal move{where}: {reason}")


class GameState:
    """A Go game in progress. ``size`` 2..25, ``komi`` in points, a :class:`Ruleset`."""

    def __init__(self, size: int = 9, komi: float = 7.5, ruleset: Ruleset = CHINESE):
        self.size = check_size(size)
        self.komi = float(komi)
        self.ruleset = ruleset
        self.nbr, self.diag, self.zkeys = kernels.geometry(size)
        self.stones, self.chain, self.ckey = kernels.empty_arrays(size)
        self.to_play = BLACK
        self.start_to_play = BLACK
        self.ko_point = -1  # the point the simple-ko rule forbids to `ko_color`
        self.ko_color = EMPTY
        self.passes = 0  # consecutive passes
        self.position_hash = BASE_KEY
        self.prisoners = {BLACK: 0, WHITE: 0}  # stones captured by each colour
        self.setup_stones: list[tuple[int, Move]] = []  # (color, point), before the first move
        self.moves: list[tuple[int, Move]] = []  # (color, move) in order, passes included
        self.last_captured = np.empty(0, dtype=np.int32)
        self._out = np.empty(size * size, dtype=np.int32)
        self._mask = np.empty(size * size + 1, dtype=np.bool_)
        # open addressing with `index & (len - 1)`: the length must be a power of two
        self._hkeys = np.zeros(1 << max(8, (4 * size * size - 1).bit_length()), dtype=np.uint64)
        self._hcounts = np.zeros(self._hkeys.shape[0], dtype=np.int32)
        self._hdistinct = 0
        self._record_position()

    # -- basic facts ---------------------------------------------------------------------------
    @property
    def pass_move(self) -> Move:
        return self.size * self.size

    @property
    def move_number(self) -> int:
        return len(self.moves)

    @property
    def is_over(self) -> bool:
        """Two consecutive passes end the game."""
        return self.passes >= 2

    @property
    def board(self) -> np.ndarray:
        """(size, size) int8 view of the stones: 1 black, -1 white, 0 empty."""
        return self.stones.reshape(self.size, self.size)

    def color_at(self, move: Move) -> int:
        return int(self.stones[move])

    def liberties(self, move: Move) -> int:
        """Liberty count of the chain at ``move`` (0 for an empty point)."""
        if self.stones[move] == EMPTY:
            return 0
        return int(self.chain[LIBS, self.chain[HEAD, move]])

    def liberty_points(self, move: Move) -> np.ndarray:
        n = kernels.liberty_points(self.stones, self.chain, self.nbr, move, self._out)
        return self._out[:n].copy()

    def chain_size(self, move: Move) -> int:
        if self.stones[move] == EMPTY:
            return 0
        return int(self.chain[SIZE, self.chain[HEAD, move]])

    def chain_points(self, move: Move) -> list[Move]:
        """The stones of the chain at ``move``, head first."""
        if self.stones[move] == EMPTY:
            return []
        head = int(self.chain[HEAD, move])
        points, s = [head], int(self.chain[kernels.NEXT, head])
        while s != head:
            points.append(s)
            s = int(self.chain[kernels.NEXT, s])
        return points

    def stone_points(self, color: int) -> np.ndarray:
        return np.flatnonzero(self.stones == color)

    # -- legality ------------------------------------------------------------------------------
    def _key_after(self, color: int) -> np.uint64:
        """History key of the current position once ``color`` has moved, before stone changes."""
        if self.ruleset.ko == "situational" and color == BLACK:
            return self.position_hash ^ SIDE_KEY
        return self.position_hash

    def _ko_for(self, color: int) -> int:
        return self.ko_point if color == self.ko_color else -1

    def illegal_reason(self, move: Move, color: int | None = None) -> str | None:
        """None if ``color`` (default: the side to move) may play ``move``, else the reason."""
        color = self.to_play if color is None else color
        if not 0 <= move <= self.pass_move:
            return "off board"
        if move == self.pass_move:
            return None
        outcome, delta = kernels.move_effect(self.stones, self.chain, self.ckey, self.nbr,
                                             self.zkeys, move, color)
        if outcome == kernels.OCCUPIED:
            return "occupied"
        if move == self._ko_for(color):
            return "ko"
        if outcome == kernels.SINGLE_SUICIDE or (
                outcome == kernels.SUICIDE and not self.ruleset.suicide):
            return "suicide"
        if self.ruleset.superko and kernels.history_contains(self._hkeys,
                                                             self._key_after(color) ^ delta):
            return "superko"
        return None

    def is_legal(self, move: Move, color: int | None = None) -> bool:
        return self.illegal_reason(move, color) is None

    def legal_mask(self, color: int | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """bool[size*size + 1]: which moves ``color`` may play (the pass always). Pass ``out``
        to reuse a buffer; otherwise the returned array is the state's own, valid until the
        next call."""
        color = self.to_play if color is None else color
        out = self._mask if out is None else out
        return kernels.legal_mask(self.stones, self.chain, self.ckey, self.nbr, self.zkeys,
                                  color, self._ko_for(color), self.ruleset.suicide,
                                  self.ruleset.superko, self._hkeys, self._key_after(color),
                                  np.uint64(0), out)

    def legal_moves(self, color: int | None = None) -> np.ndarray:
        return np.flatnonzero(self.legal_mask(color))

    # -- changing the state --------------------------------------------------------------------
    def play(self, move: Move, color: int | None = None) -> int:
        """Play ``move`` for ``color`` (default: the side to move; GTP allows either).

        Returns the number of stones captured (their points are in ``last_captured``).
        Raises IllegalMoveError, leaving the state untouched.
        """
        color = self.to_play if color is None else color
        if color not in (BLACK, WHITE):
            raise ValueError(f"invalid color {color!r}")
        if not self.moves:
            self.start_to_play = self.to_play  # who was to move before the first move (undo)
        if not 0 <= move < self.pass_move:
            if move != self.pass_move:
                raise IllegalMoveError("off board", move, color, self.size)
            self.passes += 1
            self.ko_point, self.ko_color = -1, EMPTY
            self.last_captured = self._out[:0]
            self._finish_move(color, move)
            self._record_position()
            return 0
        status, n_cap, n_self, delta, ko, new_key = kernels.play_move(
            self.stones, self.chain, self.ckey, self.nbr, self.zkeys, self._hkeys, self._hcounts,
            move, color, self._ko_for(color), self.ruleset.suicide, self.ruleset.superko,
            self._key_after(color), self._out)
        if status != kernels.PLAYED:
            raise IllegalMoveError(PLAY_REASONS[status], move, color, self.size)
        self.position_hash ^= delta
        self.prisoners[color] += n_cap
        self.prisoners[-color] += n_self
        self.ko_point, self.ko_color = ko, -color
        self.passes = 0
        self.last_captured = self._out[:n_cap + n_self]
        self._finish_move(color, move)
        if new_key:
            self._count_new_key()
        return n_cap

    def _finish_move(self, color: int, move: Move) -> None:
        self.moves.append((color, move))
        self.to_play = -color

    def pass_turn(self) -> None:
        self.play(self.pass_move)

    def setup(self, black=(), white=(), empty=(), to_play: int | None = None) -> None:
        """Place (or clear) stones before the first move: SGF AB/AW/AE, handicap stones.

        ``to_play`` (default: unchanged) is who moves next; it is part of the position recorded
        for situational superko. Raises ValueError if moves were already played or a chain
        would have no liberty.
        """
        if self.moves:
            raise ValueError("set-up stones are only allowed before the first move")
        trial = self.stones.copy()
        for color, points in ((BLACK, black), (WHITE, white), (EMPTY, empty)):
            for p in points:
                if not 0 <= p < self.size * self.size:
                    raise ValueError(f"set-up point {p} is off a {self.size}x{self.size} board")
                trial[p] = color
        stones, chain, ckey = kernels.empty_arrays(self.size)
        stones[:] = trial
        if kernels.rebuild_chains(stones, chain, ckey, self.nbr, self.zkeys):
            raise ValueError("set-up leaves a chain without liberties")
        self.stones, self.chain, self.ckey = stones, chain, ckey
        self.setup_stones = [(int(c), int(p)) for p, c in enumerate(trial) if c != EMPTY]
        key = BASE_KEY
        for p in np.flatnonzero(trial):
            key ^= self.zkeys[p, 0 if trial[p] == BLACK else 1]
        self.position_hash = key
        self.ko_point, self.ko_color = -1, EMPTY
        if to_play is not None:
            self.to_play = to_play
        self._hkeys[:] = 0
        self._hcounts[:] = 0
        self._hdistinct = 0
        self._record_position()

    def undo(self) -> None:
        """Take back the last move, restoring the exact earlier state (hash, ko, prisoners).

        Undo is a user action (GTP ``undo``), not a search primitive (the search copies), so it
        replays the game from its set-up: simple, and exact by construction.
        """
        if not self.moves:
            raise ValueError("no move to undo")
        moves = self.moves[:-1]
        fresh = GameState(self.size, self.komi, self.ruleset)
        fresh.setup(black=[p for c, p in self.setup_stones if c == BLACK],
                    white=[p for c, p in self.setup_stones if c == WHITE],
                    to_play=self.start_to_play)
        for color, move in moves:
            fresh.play(move, color)
        self.__dict__.update(fresh.__dict__)

    @property
    def initial_to_play(self) -> int:
        """Who was to move before the first move (who is to move now, if none was played)."""
        return self.start_to_play if self.moves else self.to_play

    def copy(self) -> GameState:
        other = object.__new__(GameState)
        other.__dict__.update(self.__dict__)
        for name in ("stones", "chain", "ckey", "_out", "_mask", "_hkeys", "_hcounts"):
            setattr(other, name, getattr(self, name).copy())
        other.prisoners = dict(self.prisoners)
        other.moves = list(self.moves)
        other.setup_stones = list(self.setup_stones)
        other.last_captured = other._out[:len(self.last_captured)]
        return other

    def _record_position(self) -> None:
        key = self.position_hash
        if self.ruleset.ko == "situational" and self.to_play == WHITE:
            key = key ^ SIDE_KEY
        if kernels.history_add(self._hkeys, self._hcounts, key):
            self._count_new_key()

    def _count_new_key(self) -> None:
        """One more distinct key in the history; grow the table before it is half full."""
        self._hdistinct += 1
        if 2 * self._hdistinct > self._hkeys.shape[0]:
            keys = np.zeros(2 * self._hkeys.shape[0], dtype=np.uint64)
            counts = np.zeros(keys.shape[0], dtype=np.int32)
            kernels.history_rebuild(self._hkeys, self._hcounts, keys, counts)
            self._hkeys, self._hcounts = keys, counts

    def consistency_error(self) -> int:
        """0 if the incremental chains agree with a from-scratch recount (for tests)."""
        return int(kernels.check_consistency(self.stones, self.chain, self.ckey, self.nbr,
                                             self.zkeys))

    # -- diagrams ------------------------------------------------------------------------------
    @classmethod
    def from_diagram(cls, diagram: str, komi: float = 7.5, ruleset: Ruleset = CHINESE,
                     to_play: int = BLACK) -> GameState:
        """Build a position from rows of ``X`` (black), ``O`` (white), ``.``/``+`` (empty).

        Whitespace between points is ignored; the board is square and its size is the number
        of rows. Stones are set up, so there is no move history.
        """
        rows = [r.replace(" ", "") for r in diagram.strip().splitlines() if r.strip()]
        size = len(rows)
        if any(len(r) != size for r in rows):
            raise ValueError(f"diagram is not square: {[len(r) for r in rows]} for {size} rows")
        black, white = [], []
        for i, row in enumerate(rows):
            for j, ch in enumerate(row):
                if ch in "Xx#":
                    black.append(i * size + j)
                elif ch in "Oo":
                    white.append(i * size + j)
                elif ch not in ".+":
                    raise ValueError(f"unknown diagram character {ch!r} in row {i + 1}")
        state = cls(size, komi, ruleset)
        state.setup(black=black, white=white, to_play=to_play)
        return state

    def to_diagram(self) -> str:
        """Rows of X/O/. as accepted by :meth:`from_diagram`."""
        chars = {BLACK: "X", WHITE: "O", EMPTY: "."}
        return "\n".join(" ".join(chars[int(v)] for v in row) for row in self.board)

    def __str__(self) -> str:
        """The board with GTP coordinates, as ``showboard`` prints it."""
        n = self.size
        cols = "   " + " ".join(GTP_COLUMNS[:n])
        chars = {BLACK: "X", WHITE: "O", EMPTY: "."}
        last = self.moves[-1][1] if self.moves else -1
        lines = [cols]
        for r in range(n):
            row = ""
            for c in range(n):
                p = r * n + c
                sep = "(" if p == last else (")" if c and p - 1 == last else " ")
                row += sep + chars[int(self.stones[p])]
            row += ")" if last == r * n + n - 1 else " "
            lines.append(f"{n - r:2d}{row}{n - r:2d}")
        lines.append(cols)
        lines.append(f"to play: {color_name(self.to_play)}   captured by black: "
                     f"{self.prisoners[BLACK]}   by white: {self.prisoners[WHITE]}   "
                     f"komi: {self.komi:g}   rules: {self.ruleset.name}")
        return "\n".join(lines)
