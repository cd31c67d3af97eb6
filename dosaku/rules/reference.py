"""A plain pure-Python implementation of the same rules, written to be obviously right.

It recomputes chains and liberties by flood fill on every question and keeps every earlier
board in a set, the way the minigo and dlgo teaching boards do. Two uses:

- an independent oracle for the tests (superko, suicide, captures, Tromp-Taylor counting),
- the pure-Python baseline the rules benchmark compares the numba kernels against.

Nothing else in dosaku may import it: it is slow on purpose.
"""

from __future__ import annotations

import random

from .types import BLACK, EMPTY, WHITE


class ReferenceGame:
    """Board + positional superko history; ``suicide`` allows multi-stone suicide."""

    def __init__(self, size: int, komi: float = 7.5, suicide: bool = False,
                 superko: bool = True):
        self.size = size
        self.komi = komi
        self.suicide = suicide
        self.superko = superko
        self.grid = [EMPTY] * (size * size)
        self.neighbors = [self._neighbors(p) for p in range(size * size)]
        self.history = {tuple(self.grid)}
        self.ko = None  # (point, color forbidden to play there)

    def _neighbors(self, p: int) -> list[int]:
        n = self.size
        r, c = divmod(p, n)
        return [(r + dr) * n + c + dc for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
                if 0 <= r + dr < n and 0 <= c + dc < n]

    def chain(self, grid: list[int], p: int) -> tuple[set[int], set[int]]:
        """(stones, liberties) of the chain at ``p`` by flood fill."""
        color = grid[p]
        stones, libs, stack = {p}, set(), [p]
        while stack:
            s = stack.pop()
            for q in self.neighbors[s]:
                if grid[q] == EMPTY:
                    libs.add(q)
                elif grid[q] == color and q not in stones:
                    stones.add(q)
                    stack.append(q)
        return stones, libs

    def result_of(self, p: int, color: int) -> tuple[list[int] | None, int, str]:
        """(grid after the move or None, stones captured, reason if illegal)."""
        if self.grid[p] != EMPTY:
            return None, 0, "occupied"
        if self.ko == (p, color):
            return None, 0, "ko"
        grid = list(self.grid)
        grid[p] = color
        captured = 0
        for q in self.neighbors[p]:
            if grid[q] == -color:
                stones, libs = self.chain(grid, q)
                if not libs:
                    captured += len(stones)
                    for s in stones:
                        grid[s] = EMPTY
        stones, libs = self.chain(grid, p)
        if not libs:
            if not self.suicide or len(stones) == 1:
                return None, 0, "suicide"
            for s in stones:
                grid[s] = EMPTY
        if self.superko and tuple(grid) in self.history:
            return None, 0, "superko"
        return grid, captured, ""

    def play(self, p: int | None, color: int) -> None:
        """Play at ``p`` (None = pass); ValueError with the reason if illegal."""
        if p is None:
            self.ko = None
            return
        grid, captured, reason = self.result_of(p, color)
        if grid is None:
            raise ValueError(reason)
        single_capture = captured == 1 and [q for q in range(len(grid))
                                            if self.grid[q] == -color and grid[q] == EMPTY]
        self.ko = None
        if single_capture:
            stones, libs = self.chain(grid, p)
            if len(stones) == 1 and len(libs) == 1:
                self.ko = (single_capture[0], -color)
        self.grid = grid
        self.history.add(tuple(grid))

    def is_eye(self, p: int, color: int) -> bool:
        if self.grid[p] != EMPTY or any(self.grid[q] != color for q in self.neighbors[p]):
            return False
        n = self.size
        r, c = divmod(p, n)
        diagonals = [(r + dr) * n + c + dc for dr, dc in ((-1, -1), (-1, 1), (1, -1), (1, 1))
                     if 0 <= r + dr < n and 0 <= c + dc < n]
        bad = sum(self.grid[d] == -color for d in diagonals)
        return bad == 0 if len(diagonals) < 4 else bad < 2

    def area(self) -> tuple[int, int]:
        """Tromp-Taylor (black, white) points of the board as it stands."""
        counts = {BLACK: 0, WHITE: 0}
        seen: set[int] = set()
        for p, v in enumerate(self.grid):
            if v != EMPTY:
                counts[v] += 1
            elif p not in seen:
                region, reach, stack = {p}, set(), [p]
                while stack:
                    s = stack.pop()
                    for q in self.neighbors[s]:
                        if self.grid[q] == EMPTY and q not in region:
                            region.add(q)
                            stack.append(q)
                        elif self.grid[q] != EMPTY:
                            reach.add(self.grid[q])
                seen |= region
                if len(reach) == 1:
                    counts[reach.pop()] += len(region)
        return counts[BLACK], counts[WHITE]

    def legal_mask(self, color: int) -> list[bool]:
        return [self.result_of(p, color)[0] is not None for p in range(len(self.grid))] + [True]

    def playout(self, color: int, rng: random.Random, max_moves: int) -> float:
        """Random non-eye-filling moves (simple ko, no superko) to two passes; the TT score."""
        self.superko = False
        passes = moves = 0
        while passes < 2 and moves < max_moves:
            candidates = [p for p, v in enumerate(self.grid) if v == EMPTY]
            rng.shuffle(candidates)
            for p in candidates:
                if not self.is_eye(p, color) and self.result_of(p, color)[0] is not None:
                    self.play(p, color)
                    moves += 1
                    passes = 0
                    break
            else:
                self.play(None, color)
                passes += 1
            color = -color
        black, white = self.area()
        return black - white - self.komi
