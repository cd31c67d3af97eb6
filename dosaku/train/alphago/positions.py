"""Expert positions for supervised learning: the train / held-out split and the training stream.

Terms:

- *position*: the board before one move of a game record, with the expert's move as target
  (Silver et al. 2016, "Supervised learning of policy networks": 29.4M positions from 160k
  KGS games; here the 72k 9-dan games of ``../shared/data/games``).
- *held out*: a game chosen by :func:`is_held_out`, a hash of its file name and index. Whole
  games are held out, so no position of a validation game is ever trained on, and the choice
  does not depend on the run, the number of workers or the order games are read in.
- *sampler*: a picklable callable ``(state, move, rng) -> sample`` turning a position into
  what a trainer learns from (planes and a move for the SL net, sparse features and the index
  of the expert's candidate for the rollout policy), and a ``collate(samples)`` making a
  batch of them.

The stream (:class:`PositionStream`) is a torch ``IterableDataset``: with ``workers`` > 0 a
``DataLoader`` runs it in that many processes, each reading the files line by line, parsing
only every ``workers``-th game (sgfmill), replaying it (``GameState.play`` checks every move)
and encoding the drawn positions, so the trainer only ever waits for a batch that is already
made. Games and positions pass through two shuffle buffers (the files are in date order; one
game's positions are alike).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from dosaku.features import encoder_named
from dosaku.features.rollout import RolloutLayout, rollout_features
from dosaku.features.symmetry import SYMMETRIES, transform_move, transform_planes
from dosaku.io.records import GameRecord, SgfError, initial_state
from dosaku.io.sgf import SkipStats, file_collection, file_lines, iter_games, parse_game
from dosaku.rules.game import GameState, IllegalMoveError

from .config import DataConfig

# -- the split -------------------------------------------------------------------------------


def is_held_out(source: str | Path, index: int, per_mille: int) -> bool:
    """Whether game ``index`` (0-based) of the file ``source`` is a validation game.

    Depends on the file's name (not its directory) and the index only: stable across runs,
    machines and stages.
    """
    key = f"{Path(source).name}:{index}".encode()
    return zlib.crc32(key) % 1000 < per_mille


def held_out_games(cfg: DataConfig, limit: int | None = None,
                   skip_stats: SkipStats | None = None) -> list[GameRecord]:
    """The first ``limit`` held-out games of ``cfg.games`` (all of them if None), in file
    order; bad games are counted in ``skip_stats`` (required) and skipped."""
    stats = skip_stats if skip_stats is not None else SkipStats()
    out: list[GameRecord] = []
    for path in cfg.games:
        if limit is not None and len(out) >= limit:
            break
        for record in iter_held_out(path, cfg.holdout_per_mille, stats):
            out.append(record)
            if limit is not None and len(out) >= limit:
                break
    return out


def iter_held_out(path: str | Path, per_mille: int, stats: SkipStats) -> Iterator[GameRecord]:
    """The held-out games of one file, parsed; bad ones counted in ``stats``."""
    for index, line, chunk in raw_games(Path(path)):
        if is_held_out(path, index, per_mille):
            try:
                record = parse_game(chunk, str(path), index, line)
            except SgfError as e:
                stats.add(e)
                continue
            stats.read += 1
            yield record


def raw_games(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(index, line, bytes) of each game of a file, unparsed (cheap: no sgfmill)."""
    one_per_line = path.suffix == ".gz"
    return file_lines(path) if one_per_line else file_collection(path)


def read_games(path: str | Path, limit: int | None = None,
               skip_stats: SkipStats | None = None) -> list[GameRecord]:
    """Up to ``limit`` games of any SGF file (a plain SGF, a collection, or one game per line,
    gzipped or not); bad games are skipped and counted in ``skip_stats``."""
    path = Path(path)
    stats = skip_stats if skip_stats is not None else SkipStats()
    per_line = path.suffix == ".gz" or _one_game_per_line(path)
    out = []
    for record in iter_games(path, on_error="skip", skip_stats=stats, one_per_line=per_line):
        if limit is not None and len(out) >= limit:
            break
        out.append(record)
    return out


def _one_game_per_line(path: Path) -> bool:
    """A plain file whose first two non-blank lines both start a game."""
    starts = []
    with open(path, "rb") as f:
        for text in f:
            if text.strip():
                starts.append(text.lstrip().startswith(b"(;"))
            if len(starts) == 2:
                break
    return len(starts) == 2 and all(starts)


# -- positions of one game -------------------------------------------------------------------

def replay(record: GameRecord) -> Iterator[tuple[GameState, int]]:
    """(state before the move, the move) for every move of ``record``, in order.

    The same GameState is yielded each time and changed after the caller resumes: use it
    before the next ``next()``. ``state.to_play`` is the record's colour for that move.
    Raises SgfError naming the move if one is illegal (superko under the record's ruleset,
    else Chinese).
    """
    state = initial_state(record)
    for number, (color, move) in enumerate(record.moves, 1):
        state.to_play = color
        yield state, move
        try:
            state.play(move, color)
        except IllegalMoveError as e:
            raise record.error(f"move {number}: illegal: {e.reason}") from e


def winner_value(record: GameRecord, color: int) -> float | None:
    """The game's outcome for ``color``: +1 won, -1 lost, 0 jigo; None if ``RE`` says none."""
    outcome = record.outcome
    if outcome is None:
        return None
    return float(outcome.winner * color)


# -- samplers --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlaneSampler:
    """A position as (planes uint8 (C, n, n), expert move) under a random symmetry."""

    encoder: str = "alphago48"
    """Registered encoder name."""
    symmetries: bool = True
    """Draw one of the 8 symmetries per position (the paper's augmentation)."""

    def __call__(self, state: GameState, move: int, rng: np.random.Generator):
        planes = encoder_named(self.encoder).encode(state)  # (C, n, n) uint8
        if self.symmetries:
            k = int(rng.integers(SYMMETRIES))
            planes = np.ascontiguousarray(transform_planes(planes, k))
            move = transform_move(move, k, state.size)
        return planes, move

    def collate(self, samples: Sequence) -> dict[str, torch.Tensor]:
        planes = np.stack([s[0] for s in samples])  # (B, C, n, n)
        moves = np.array([s[1] for s in samples], dtype=np.int64)
        return {"planes": torch.from_numpy(planes), "moves": torch.from_numpy(moves)}


@dataclass(frozen=True)
class RolloutSampler:
    """A position as the rollout policy sees it: its candidates' features (CSR) and the
    index of the expert's move among the candidates, -1 if it is not one (a pass, an own-eye
    fill, a superko-only distinction)."""

    layout: RolloutLayout = RolloutLayout()
    """Feature layout of the weights being trained."""

    def __call__(self, state: GameState, move: int, rng: np.random.Generator):
        found = rollout_features(state, self.layout)
        where = np.flatnonzero(found.moves == move)
        return found.offsets, found.indices, int(where[0]) if len(where) else -1

    def collate(self, samples: Sequence) -> dict[str, np.ndarray]:
        return collate_sparse(samples)


def collate_sparse(samples: Sequence) -> dict[str, np.ndarray]:
    """Rollout samples as one CSR of CSRs: position i has candidates
    ``position_offsets[i]:position_offsets[i + 1]``, candidate j has features
    ``indices[candidate_offsets[j]:candidate_offsets[j + 1]]``."""
    position_offsets = np.zeros(len(samples) + 1, dtype=np.int64)
    candidate_offsets = [np.zeros(1, dtype=np.int64)]
    indices, targets = [], np.empty(len(samples), dtype=np.int64)
    features = 0
    for i, (offsets, idx, target) in enumerate(samples):
        position_offsets[i + 1] = position_offsets[i] + len(offsets) - 1
        candidate_offsets.append(offsets[1:].astype(np.int64) + features)
        indices.append(idx)
        features += len(idx)
        targets[i] = target
    return {"position_offsets": position_offsets,
            "candidate_offsets": np.concatenate(candidate_offsets),
            "indices": np.concatenate(indices).astype(np.int64) if indices
            else np.zeros(0, dtype=np.int64),
            "targets": targets}


# -- the stream ------------------------------------------------------------------------------

class PositionStream(IterableDataset):
    """Endless batches of training positions (held-out games never appear).

    Each worker (or the one process, without workers) reads every file in turn, forever,
    parsing only its own share of the games; its randomness comes from
    ``(cfg.seed, epoch_seed, worker)``, so a resumed run passes a new ``epoch_seed`` (the
    step it resumes at) and draws a fresh order. Bad games are skipped; the count reaches the
    trainer in each batch's ``"skipped"`` entry.
    """

    def __init__(self, cfg: DataConfig, sampler: Callable[..., Any], batch_size: int,
                 epoch_seed: int = 0):
        super().__init__()
        self.cfg, self.sampler, self.batch_size = cfg, sampler, batch_size
        self.epoch_seed = epoch_seed

    def __iter__(self) -> Iterator[dict]:
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        torch.set_num_threads(1)
        rng = np.random.default_rng([self.cfg.seed, self.epoch_seed, worker])
        positions: list = []
        skipped = 0
        for record_or_error in self._games(worker, workers, rng):
            if isinstance(record_or_error, SgfError):
                skipped += 1
                continue
            try:
                drawn = self._draw(record_or_error, rng)
            except SgfError:
                skipped += 1
                continue
            for sample in drawn:
                positions.append(sample)
                if len(positions) >= self.cfg.position_buffer + self.batch_size:
                    batch = [swap_pop(positions, rng) for _ in range(self.batch_size)]
                    out = self.sampler.collate(batch)
                    out["skipped"] = skipped
                    yield out

    def _games(self, worker: int, workers: int, rng: np.random.Generator):
        """This worker's training games, forever, through a shuffle buffer of raw lines."""
        buffer: list[tuple[str, int, int, bytes]] = []
        for _ in count():
            found = 0
            for path in self.cfg.games:
                for index, line, chunk in raw_games(Path(path)):
                    if index % workers != worker or is_held_out(
                            path, index, self.cfg.holdout_per_mille):
                        continue
                    found += 1
                    buffer.append((str(path), index, line, chunk))
                    if len(buffer) > self.cfg.game_buffer:
                        yield parse_or_error(*swap_pop(buffer, rng))
            if found == 0:
                raise ValueError(f"no training games for worker {worker} of {workers} in "
                                 f"{', '.join(self.cfg.games)}")

    def _draw(self, record: GameRecord, rng: np.random.Generator) -> list:
        """Samples of ``positions_per_game`` random positions of ``record``."""
        numbers = range(self.cfg.min_move, len(record.moves))
        if len(numbers) == 0:
            return []
        chosen = set(rng.choice(numbers, size=min(self.cfg.positions_per_game, len(numbers)),
                                replace=False).tolist())
        out = []
        for number, (state, move) in enumerate(replay(record)):
            if number in chosen:
                out.append(self.sampler(state, move, rng))
        return out


def parse_or_error(source: str, index: int, line: int, chunk: bytes) -> GameRecord | SgfError:
    try:
        return parse_game(chunk, source, index, line)
    except SgfError as e:
        return e


def swap_pop(items: list, rng: np.random.Generator):
    """Remove and return a uniformly random element in O(1)."""
    i = int(rng.integers(len(items)))
    items[i], items[-1] = items[-1], items[i]
    return items.pop()


def batches(cfg: DataConfig, sampler, batch_size: int, epoch_seed: int,
            pin_memory: bool = False) -> Iterator[dict]:
    """Training batches from :class:`PositionStream`, made in ``cfg.workers`` processes (in
    this one if 0); ``pin_memory`` for a trainer that copies them to a GPU."""
    stream = PositionStream(cfg, sampler, batch_size, epoch_seed)
    if cfg.workers <= 0:
        return iter(stream)
    loader = DataLoader(stream, batch_size=None, num_workers=cfg.workers,
                        prefetch_factor=4, persistent_workers=False, pin_memory=pin_memory)
    return iter(loader)


# -- held-out positions, encoded once ---------------------------------------------------------

@dataclass
class EncodedPositions:
    """Every position of some games as bit-packed planes (1/8 of uint8) and expert moves."""

    packed: np.ndarray
    """uint8 (P, ceil(C*n*n / 8)): ``np.packbits`` of each position's planes."""
    moves: np.ndarray
    """int64 (P,): the expert's moves."""
    values: np.ndarray
    """float32 (P,): the outcome for the side to move (+1, -1, 0; nan without a result)."""
    planes: int
    size: int
    games: int = 0
    """Games the positions come from."""

    def __len__(self) -> int:
        return len(self.moves)

    def batch(self, start: int, stop: int) -> np.ndarray:
        """float32 (B, C, n, n) planes of positions ``start:stop``."""
        shape = (stop - start, self.planes, self.size, self.size)
        bits = np.unpackbits(self.packed[start:stop], axis=1,
                             count=self.planes * self.size * self.size)
        return bits.reshape(shape).astype(np.float32)


def encode_positions(records: Sequence[GameRecord], encoder: str,
                     skip_stats: SkipStats | None = None) -> EncodedPositions:
    """Every position of ``records`` (one size) under ``encoder``; games that fail to
    replay are dropped and counted in ``skip_stats``."""
    enc = encoder_named(encoder)
    packed, moves, values = [], [], []
    games = 0
    size = records[0].size if records else 19
    for record in records:
        if record.size != size:
            raise ValueError(f"{record.where}: {record.size}x{record.size} among {size}x{size}")
        game_packed, game_moves, game_values = [], [], []
        try:
            for state, move in replay(record):
                game_packed.append(np.packbits(enc.encode(state).reshape(-1)))
                game_moves.append(move)
                value = winner_value(record, state.to_play)
                game_values.append(np.nan if value is None else value)
        except SgfError as e:
            if skip_stats is not None:
                skip_stats.add(e)
            continue
        games += 1
        packed += game_packed
        moves += game_moves
        values += game_values
    width = (enc.planes * size * size + 7) // 8
    return EncodedPositions(np.array(packed, dtype=np.uint8).reshape(-1, width),
                            np.array(moves, dtype=np.int64),
                            np.array(values, dtype=np.float32), enc.planes, size, games)


__all__ = ["EncodedPositions", "PlaneSampler", "PositionStream", "RolloutSampler",
           "batches", "collate_sparse", "encode_positions", "held_out_games", "is_held_out",
           "read_games", "replay", "winner_value"]
