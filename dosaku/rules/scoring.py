"""Scoring: Tromp-Taylor area, area and territory with dead stones, and a dead-stone estimate.

Scores are from Black's side: black points minus white points minus komi (positive: Black
wins). GTP writes them as ``B+3.5``, ``W+0.5`` or ``0`` for a draw.

Which stones are dead is not part of the position: players agree on it, GTP's
``final_status_list`` asks for it. The estimate here combines two sources:

- Benson's algorithm (Benson 1976, "Life in the game of Go"): chains that are alive whatever
  the opponent does, even if the owner never answers. These are never called dead.
- Monte-Carlo ownership: the average Tromp-Taylor owner of each point over random playouts
  from the final position. A chain whose points the opponent owns in most playouts is dead; a
  chain owned by neither side in a clear majority is marked seki (a heuristic: random playouts
  break a seki about half the time, so its stones come out near 0).

Later issues replace the playouts with search or network ownership; the interface stays.
"""

from __future__ import annotations

import numpy as np

from .game import GameState
from .playout import area_ownership, new_rng, run_playouts
from .types import BLACK, EMPTY, WHITE, Move

DEAD_BELOW = 0.0  # mean ownership (from the chain's side) under which a chain is dead
SEKI_BELOW = 0.5  # ...and under which a living, not unconditionally alive chain is in seki


def area_counts(stones: np.ndarray, nbr: np.ndarray) -> tuple[int, int, np.ndarray]:
    """(black points, white points, owner int8[n*n]) of the board as it stands."""
    nn = stones.shape[0]
    owner = np.empty(nn, dtype=np.int8)
    black, white = area_ownership(stones, nbr, owner, np.empty(nn, dtype=np.int32),
                                  np.empty(nn, dtype=np.int32))
    return int(black), int(white), owner


def tromp_taylor_score(state: GameState) -> float:
    """Area score of the board exactly as it stands (nothing is dead unless captured)."""
    black, white, _ = area_counts(state.stones, state.nbr)
    return black - white - state.komi


def tromp_taylor_ownership(state: GameState) -> np.ndarray:
    """int8[n*n]: who owns each point of the board exactly as it stands, +1 black, -1 white, 0
    neither (the points :func:`tromp_taylor_score` counts; self-play's ownership targets)."""
    return area_counts(state.stones, state.nbr)[2]


def ownership(state: GameState, playouts: int = 256, seed: int = 0) -> np.ndarray:
    """Mean Tromp-Taylor ownership (float64[n*n], +1 black .. -1 white) over random playouts."""
    total = np.empty(state.size * state.size, dtype=np.float64)
    ko = state.ko_point if state.ko_color == state.to_play else -1
    run_playouts(state.stones, state.chain, state.ckey, state.nbr, state.diag, state.zkeys,
                 state.to_play, ko, state.komi, playouts, 3 * total.shape[0], new_rng(seed),
                 np.empty(playouts), total)
    return total


def _chains(state: GameState) -> list[list[Move]]:
    """Every chain on the board as a list of its points."""
    seen: set[int] = set()
    chains = []
    for p in np.flatnonzero(state.stones):
        if int(p) not in seen:
            points = state.chain_points(int(p))
            seen.update(points)
            chains.append(points)
    return chains


def benson_alive(state: GameState) -> np.ndarray:
    """bool[n*n]: stones of chains that are unconditionally alive (Benson's algorithm)."""
    alive = np.zeros(state.size * state.size, dtype=bool)
    for color in (BLACK, WHITE):
        alive |= _benson_for(state, color)
    return alive


def _benson_for(state: GameState, color: int) -> np.ndarray:
    stones, nbr = state.stones, state.nbr
    head = state.chain[0]
    chains = {int(head[p]) for p in np.flatnonzero(stones == color)}
    # Regions: maximal connected sets of points not of `color`.
    regions: list[tuple[set[int], set[int], set[int]]] = []  # (points, empties, bordering heads)
    seen: set[int] = set()
    for p in range(stones.shape[0]):
        if stones[p] == color or p in seen:
            continue
        points, empties, border, stack = set(), set(), set(), [p]
        seen.add(p)
        while stack:
            s = stack.pop()
            points.add(s)
            if stones[s] == EMPTY:
                empties.add(s)
            for q in nbr[s]:
                if q < 0:
                    continue
                q = int(q)
                if stones[q] == color:
                    border.add(int(head[q]))
                elif q not in seen:
                    seen.add(q)
                    stack.append(q)
        regions.append((points, empties, border))

    def vital(region, h: int) -> bool:
        _, empties, border = region
        return h in border and all(
            any(q >= 0 and stones[q] == color and head[q] == h for q in nbr[e]) for e in empties)

    live_regions = list(range(len(regions)))
    while True:
        keep = {h for h in chains
                if sum(vital(regions[r], h) for r in live_regions) >= 2}
        kept_regions = [r for r in live_regions if regions[r][2] <= keep]
        if keep == chains and kept_regions == live_regions:
            break
        chains, live_regions = keep, kept_regions
    return np.isin(head, list(chains)) & (stones == color)


def final_status(state: GameState, playouts: int = 256, seed: int = 0) -> dict[str, list[Move]]:
    """Stones by status, for GTP's final_status_list: ``alive``, ``dead`` and ``seki``."""
    status: dict[str, list[Move]] = {"alive": [], "dead": [], "seki": []}
    if not state.stones.any():
        return status
    if state.ruleset.as_it_stands:
        status["alive"] = [int(p) for p in np.flatnonzero(state.stones)]
        return status
    own = ownership(state, playouts, seed)
    safe = benson_alive(state)
    for points in _chains(state):
        color = int(state.stones[points[0]])
        mean = color * float(np.mean(own[points]))
        if safe[points[0]]:
            label = "alive"
        elif mean < DEAD_BELOW:
            label = "dead"
        elif mean < SEKI_BELOW and _shares_liberty_with_opponent(state, points):
            label = "seki"
        else:
            label = "alive"
        status[label].extend(points)
    for label in status:
        status[label].sort()
    return status


def _shares_liberty_with_opponent(state: GameState, points: list[Move]) -> bool:
    color = int(state.stones[points[0]])
    for lib in state.liberty_points(points[0]):
        if any(q >= 0 and state.stones[q] == -color for q in state.nbr[lib]):
            return True
    return False


def dead_stones(state: GameState, playouts: int = 256, seed: int = 0) -> np.ndarray:
    """bool[n*n]: the stones :func:`final_status` calls dead."""
    dead = np.zeros(state.size * state.size, dtype=bool)
    dead[final_status(state, playouts, seed)["dead"]] = True
    return dead


def area_score(state: GameState, dead: np.ndarray | None = None) -> float:
    """Chinese counting: stones + surrounded points once ``dead`` stones are taken off."""
    stones = state.stones.copy()
    if dead is not None:
        stones[dead] = EMPTY
    black, white, _ = area_counts(stones, state.nbr)
    return black - white - state.komi


def territory_score(state: GameState, dead: np.ndarray | None = None,
                    seki: np.ndarray | None = None) -> float:
    """Japanese counting: surrounded empty points + prisoners (captures and dead stones).

    Empty points next to a chain in ``seki`` are no one's territory.
    """
    stones = state.stones.copy()
    dead = np.zeros(stones.shape[0], dtype=bool) if dead is None else dead
    dead_black = int(np.count_nonzero(dead & (stones == BLACK)))
    dead_white = int(np.count_nonzero(dead & (stones == WHITE)))
    stones[dead] = EMPTY
    _, _, owner = area_counts(stones, state.nbr)
    territory = owner * (stones == EMPTY)
    if seki is not None and seki.any():
        territory = territory * ~_regions_touching(stones, state.nbr, seki)
    black = int(np.count_nonzero(territory == BLACK)) + state.prisoners[BLACK] + dead_white
    white = int(np.count_nonzero(territory == WHITE)) + state.prisoners[WHITE] + dead_black
    return black - white - state.komi


def _regions_touching(stones: np.ndarray, nbr: np.ndarray, marked: np.ndarray) -> np.ndarray:
    """bool mask of empty regions adjacent to any ``marked`` stone."""
    out = np.zeros(stones.shape[0], dtype=bool)
    stack = [int(e) for p in np.flatnonzero(marked) for e in nbr[p]
             if e >= 0 and stones[e] == EMPTY]
    while stack:
        s = stack.pop()
        if out[s]:
            continue
        out[s] = True
        stack.extend(int(q) for q in nbr[s] if q >= 0 and stones[q] == EMPTY and not out[q])
    return out


def final_score(state: GameState, dead: np.ndarray | None = None, playouts: int = 256,
                seed: int = 0) -> float:
    """The score under the state's ruleset, black minus white minus komi.

    Tromp-Taylor scores the board as it stands. Otherwise dead stones (given, or estimated by
    :func:`final_status`) are removed and the ruleset's counting applied.
    """
    if state.ruleset.as_it_stands:
        return tromp_taylor_score(state)
    seki = None
    if dead is None:
        status = final_status(state, playouts, seed)
        dead = np.zeros(state.size * state.size, dtype=bool)
        dead[status["dead"]] = True
        seki = np.zeros_like(dead)
        seki[status["seki"]] = True
    if state.ruleset.scoring == "territory":
        return territory_score(state, dead, seki)
    return area_score(state, dead)


def result_string(score: float) -> str:
    """'B+3.5', 'W+0.5', or '0' for a draw, as GTP's final_score and SGF's RE write it."""
    if score > 0:
        return f"B+{score:g}"
    if score < 0:
        return f"W+{-score:g}"
    return "0"
