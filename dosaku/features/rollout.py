"""AlphaGo's fast rollout policy: a linear softmax over sparse local-pattern features.

Silver et al. 2016, Methods "Rollout policy" and Extended Data Table 4: the probability of a
move is ``exp(sum of the weights of its features)``, normalised over the candidates. The
rollout features, for a candidate move of the player to move:

==================  ==========  ===========================================================
feature             weights     active when
==================  ==========  ===========================================================
response            1           the move is within the 12-point diamond of the last move
save atari          1           the move saves an own chain in atari (extends it to two or
                                more liberties, or captures a chain next to it)
neighbour           8           the move touches the last move (one weight per direction,
                                diagonals included)
response pattern    2**15       the diamond around the last move, and where the move is in
                                it (:func:`~dosaku.features.rollout_patterns.diamond_code`)
3×3 pattern         2**16       the eight points around the move
                                (:func:`~dosaku.features.rollout_patterns.ring_code`); the
                                paper's "non-response pattern"
==================  ==========  ===========================================================

*Candidates* are the moves a rollout may play: legal under simple ko and suicide (superko is
not checked in rollouts, as in Pachi and the paper's C++ rollouts) and not filling one's own
eye (:func:`dosaku.rules.board.is_eye`); the pass is played only when there is none.

Why this lives in ``features`` and not ``nets``: evaluating it is board work (chains,
liberties, patterns) done in numba with no torch, and the networks layer may not import the
rules. :mod:`dosaku.features.rollout_playout` plays whole games with it, updating the 3×3
pattern weights incrementally. The weights are trained by SGD in the AlphaGo training code
from :func:`rollout_features`, and stored by :func:`save_rollout_weights` as safetensors
(tensor ``"weights"``) with a JSON header, like the network checkpoints.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit

import dosaku

from ..rules import board as kernels
from ..rules.board import HEAD, LIBS, NEXT
from ..rules.game import GameState
from ..rules.playout import breathes
from .rollout_patterns import (bucket, diamond_code, diamond_slot, ring_code, ring_slot,
                               shape_geometry)

RESPONSE, SAVE_ATARI, NEIGHBOUR, RESPONSE_PATTERNS = 0, 1, 2, 10
MAX_FEATURES = 5  # active features per move: response, save atari, neighbour, two patterns

FORMAT = "dosaku-rollout"
FORMAT_VERSION = 1
METADATA_KEY = "dosaku"


@dataclass(frozen=True)
class RolloutLayout:
    """Where each feature's weights sit in the one weight vector."""

    response_bits: int = 15
    """log2 of the response-pattern buckets (AlphaGo saw 32,207 such patterns)."""
    pattern_bits: int = 16
    """log2 of the 3×3-pattern buckets (AlphaGo saw 69,338 such patterns)."""

    @property
    def pattern_offset(self) -> int:
        """First index of the 3×3-pattern weights."""
        return RESPONSE_PATTERNS + (1 << self.response_bits)

    @property
    def size(self) -> int:
        """Length of the weight vector."""
        return self.pattern_offset + (1 << self.pattern_bits)


# -- features ----------------------------------------------------------------------------------

@njit(cache=True)
def saves_atari(stones, chain, nbr, p, color):
    """True if ``color`` at empty ``p`` gives an own chain in atari a second liberty: by
    extending it, or by capturing an opponent chain that touches it."""
    for k in range(4):
        q = nbr[p, k]
        if q < 0 or stones[q] == 0 or chain[LIBS, chain[HEAD, q]] != 1:
            continue
        if stones[q] == -color and _touches_own_atari(stones, chain, nbr, chain[HEAD, q]):
            return True
        if stones[q] == color and _liberties_after_at_least_two(stones, chain, nbr, p, color):
            return True
    return False


@njit(cache=True)
def _touches_own_atari(stones, chain, nbr, h):
    """Does the chain ``h`` touch a chain of the other colour that is in atari?"""
    s = h
    while True:
        for k in range(4):
            q = nbr[s, k]
            if q >= 0 and stones[q] == -stones[h] and chain[LIBS, chain[HEAD, q]] == 1:
                return True
        s = chain[NEXT, s]
        if s == h:
            return False


@njit(cache=True, inline="always")
def _note(first, e):
    """Track distinct liberties: the first seen, or -2 once a second distinct one turns up."""
    if first == -1 or first == e:
        return e
    return -2


@njit(cache=True)
def _liberties_after_at_least_two(stones, chain, nbr, p, color):
    """Would the chain made by ``color`` at ``p`` have two or more liberties? Counts empty
    points and the stones of captured chains that end up next to it, up to two."""
    first = -1
    for k in range(4):
        q = nbr[p, k]
        if q >= 0 and stones[q] == 0:
            first = _note(first, q)
        elif q >= 0 and stones[q] == color:
            h = chain[HEAD, q]
            s = h
            while first != -2:
                for j in range(4):
                    e = nbr[s, j]
                    if e >= 0 and e != p and stones[e] == 0:
                        first = _note(first, e)
                s = chain[NEXT, s]
                if s == h:
                    break
    for k in range(4):
        q = nbr[p, k]
        if first != -2 and q >= 0 and stones[q] == -color and chain[LIBS, chain[HEAD, q]] == 1:
            first = _freed(stones, chain, nbr, chain[HEAD, q], p, color, first)
    return first == -2


@njit(cache=True, inline="always")
def _joins(stones, chain, nbr, p, color, q):
    """Is ``q`` the point ``p`` or a stone of an own chain that a stone at ``p`` joins?"""
    if q == p:
        return True
    if stones[q] != color:
        return False
    for k in range(4):
        r = nbr[p, k]
        if r >= 0 and stones[r] == color and chain[HEAD, r] == chain[HEAD, q]:
            return True
    return False


@njit(cache=True)
def _freed(stones, chain, nbr, h, p, color, first):
    """Note the stones of captured chain ``h`` that touch the chain made at ``p``."""
    s = h
    while first != -2:
        for j in range(4):
            q = nbr[s, j]
            if q >= 0 and _joins(stones, chain, nbr, p, color, q):
                first = _note(first, s)
                break
        s = chain[NEXT, s]
        if s == h:
            break
    return first


@njit(cache=True, inline="always")
def is_candidate(stones, chain, nbr, diag, p, color, ko):
    """May a rollout play ``p``: empty, not the ko point, not an own eye, not suicide (the
    stone would have a liberty, its own or by a capture). The one rule for the features and
    for the rollout kernel (:mod:`.rollout_playout`), where it is inlined."""
    if stones[p] != 0 or p == ko or kernels.is_eye(stones, nbr, diag, p, color):
        return False
    return breathes(stones, chain, nbr, p, color)


@njit(cache=True)
def move_features(stones, chain, nbr, ring, diamond, n, p, color, last, response_bits,
                  pattern_offset, pattern_bits, out):
    """Write the feature indices of candidate ``p`` to ``out``; returns how many (<= 5).

    ``n`` is the board side; ``last`` the previous move's point, -1 if there is none or it
    was a pass.
    """
    k = 0
    if last >= 0:
        slot = diamond_slot(n, last, p)
        if slot >= 0:
            out[k] = RESPONSE
            out[k + 1] = RESPONSE_PATTERNS + bucket(
                diamond_code(stones, chain, diamond, last, slot, color), response_bits)
            k += 2
        direction = ring_slot(n, last, p)
        if direction >= 0:
            out[k] = NEIGHBOUR + direction
            k += 1
    if saves_atari(stones, chain, nbr, p, color):
        out[k] = SAVE_ATARI
        k += 1
    out[k] = pattern_offset + bucket(ring_code(stones, chain, ring, p, color), pattern_bits)
    return k + 1


@njit(cache=True)
def all_features(stones, chain, ckey, nbr, diag, zkeys, ring, diamond, n, color, ko, last,
                 response_bits, pattern_offset, pattern_bits, moves, offsets, indices):
    """Features of every candidate as CSR: candidate ``i`` is ``moves[i]`` with features
    ``indices[offsets[i]:offsets[i + 1]]``. Returns the number of candidates."""
    count = 0
    offsets[0] = 0
    for p in range(stones.shape[0]):
        if not is_candidate(stones, chain, nbr, diag, p, color, ko):
            continue
        k = move_features(stones, chain, nbr, ring, diamond, n, p, color, last, response_bits,
                          pattern_offset, pattern_bits, indices[offsets[count]:])
        moves[count] = p
        offsets[count + 1] = offsets[count] + k
        count += 1
    return count


@dataclass(frozen=True)
class RolloutFeatures:
    """The candidates of one position and their active features (for training and tests)."""

    moves: np.ndarray
    """int32[M]: the candidate moves (empty if the rollout would pass)."""
    offsets: np.ndarray
    """int32[M + 1]: candidate i's features are ``indices[offsets[i]:offsets[i + 1]]``."""
    indices: np.ndarray
    """int32[...]: feature indices into the weight vector."""


def last_point(state: GameState) -> int:
    """The previous move's point, or -1 if there is none or it was a pass."""
    if not state.moves or state.moves[-1][1] == state.pass_move:
        return -1
    return state.moves[-1][1]


def rollout_features(state: GameState, layout: RolloutLayout = RolloutLayout()
                     ) -> RolloutFeatures:
    """The rollout features of every candidate move of the side to move."""
    nn = state.size * state.size
    ring, diamond = shape_geometry(state.size)
    moves = np.empty(nn, dtype=np.int32)
    offsets = np.empty(nn + 1, dtype=np.int32)
    indices = np.empty(nn * MAX_FEATURES, dtype=np.int32)
    color = state.to_play
    ko = state.ko_point if state.ko_color == color else -1
    m = all_features(state.stones, state.chain, state.ckey, state.nbr, state.diag,
                     state.zkeys, ring, diamond, state.size, color, ko, last_point(state),
                     layout.response_bits, layout.pattern_offset, layout.pattern_bits,
                     moves, offsets, indices)
    return RolloutFeatures(moves[:m].copy(), offsets[:m + 1].copy(),
                           indices[:offsets[m]].copy())


# -- weights and their file --------------------------------------------------------------------

@dataclass(frozen=True)
class RolloutWeights:
    """A trained (or initial) rollout policy: its layout and one weight per feature."""

    weights: np.ndarray
    """float32[layout.size]."""
    layout: RolloutLayout = RolloutLayout()
    """Which index is which feature."""
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)
    """Where the weights came from (JSON-serialisable): data, steps, accuracy, ..."""

    def __post_init__(self) -> None:
        if self.weights.shape != (self.layout.size,) or self.weights.dtype != np.float32:
            raise ValueError(f"weights must be float32[{self.layout.size}], "
                             f"got {self.weights.dtype}{list(self.weights.shape)}")

    @classmethod
    def zeros(cls, layout: RolloutLayout = RolloutLayout()) -> RolloutWeights:
        """All weights 0: the uniform policy over candidates."""
        return cls(np.zeros(layout.size, dtype=np.float32), layout)

    def logits(self, state: GameState) -> np.ndarray:
        """float64[n*n + 1]: the score of every candidate, -inf elsewhere; the pass is 0 if
        there is no candidate, else -inf."""
        found = rollout_features(state, self.layout)
        out = np.full(state.size * state.size + 1, -np.inf)
        sums = np.add.reduceat(self.weights[found.indices].astype(np.float64),
                               found.offsets[:-1]) if len(found.moves) else []
        out[found.moves] = sums
        if not len(found.moves):
            out[-1] = 0.0
        return out

    def probabilities(self, state: GameState) -> np.ndarray:
        """float64[n*n + 1]: the softmax of :meth:`logits`."""
        logits = self.logits(state)
        e = np.exp(logits - logits.max())
        return e / e.sum()


class RolloutFileError(ValueError):
    """A rollout weight file that cannot be loaded; ``field`` names what does not fit."""

    def __init__(self, path: str | PathLike, field_name: str, message: str):
        self.path = Path(path)
        self.field = field_name
        super().__init__(f"{path}: {field_name}: {message}")


def save_rollout_weights(weights: RolloutWeights, path: str | PathLike) -> Path:
    """Write ``weights`` as safetensors with a JSON header (layout, version, provenance)."""
    from safetensors.numpy import save_file

    header = {"format": FORMAT, "format_version": FORMAT_VERSION,
              "layout": asdict(weights.layout),
              "provenance": {"dosaku_version": dosaku.__version__,
                             "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
                             **weights.provenance}}
    save_file({"weights": weights.weights}, str(path),
              metadata={METADATA_KEY: json.dumps(header)})
    return Path(path)


def load_rollout_weights(path: str | PathLike) -> RolloutWeights:
    """Read a file written by :func:`save_rollout_weights`; RolloutFileError naming the field
    that does not fit (format, format_version, layout.<name>, weights)."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except (SafetensorError, OSError) as e:
        raise RolloutFileError(path, "file", f"not a safetensors file ({e})") from None
    header = json.loads(metadata.get(METADATA_KEY, "{}"))
    if header.get("format") != FORMAT:
        raise RolloutFileError(path, "format", f"expected {FORMAT!r}, got "
                                               f"{header.get('format')!r}")
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RolloutFileError(path, "format_version", f"{version!r}: this dosaku reads up to "
                                                       f"{FORMAT_VERSION}")
    known = set(RolloutLayout.__dataclass_fields__)
    for name, value in header.get("layout", {}).items():
        if name not in known or not isinstance(value, int) or not 1 <= value <= 24:
            raise RolloutFileError(path, f"layout.{name}", f"unknown or invalid ({value!r})")
    layout = RolloutLayout(**header.get("layout", {}))
    got = tensors.get("weights")
    if got is None or got.shape != (layout.size,) or got.dtype != np.float32:
        what = "missing" if got is None else f"{got.dtype}{list(got.shape)}"
        raise RolloutFileError(path, "weights", f"{what}; the layout needs "
                                                f"float32[{layout.size}]")
    return RolloutWeights(got, layout, header.get("provenance", {}))
