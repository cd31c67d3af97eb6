"""The replay buffer: self-play games as compressed shards on disk, a window of recent games.

A shard is one ``.npz`` (planes uint8, policy float16, value int8, ownership int8 (P, n, n)
with its mask ``has_ownership`` bool (P,), the full searches' root values ``root_q`` float16,
the loop's per-game ``summaries`` (JSON as UTF-8 bytes), plus how many games it holds),
written to a temporary name and renamed, so a shard either exists whole or not at all:
killing the run never leaves half a shard, and a finished game is never lost. The window is
the newest shards holding at least ``window_games`` games; training samples positions
uniformly from it, each under a random one of the 8 board symmetries (AlphaGo Zero, "data
augmentation"), which turns the planes, the policy and the ownership map alike.

Positions without an ownership target (resigned games, and every position of a shard written
before ownership was recorded) hold zeros with ``has_ownership`` False: old shards load and
train unchanged, and the ownership loss skips them. A shard written before ``root_q`` was
recorded reads z in its place, so a value target mixing in q is z alone there.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from dosaku.features.symmetry import transform_planes, transform_policy

from .selfplay import SelfPlayRecord


def write_shard(path: Path, records: list[SelfPlayRecord],
                summaries: list[dict] | None = None) -> None:
    """Save ``records`` as one shard, atomically, with the loop's per-game ``summaries``
    (JSON) if given: a generation resumed after a kill logs the games its shards already hold
    from them (:func:`shard_summaries`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez_compressed(
            f, planes=np.concatenate([r.planes for r in records]),
            policy=np.concatenate([r.policy for r in records]).astype(np.float16),
            value=np.concatenate([r.value for r in records]),
            ownership=np.concatenate([ownership_of(r) for r in records]),
            has_ownership=np.concatenate([np.full(len(r.value), r.ownership is not None)
                                          for r in records]),
            root_q=np.concatenate([root_q_of(r) for r in records]).astype(np.float16),
            games=np.array(len(records)),
            **({"summaries": np.frombuffer(json.dumps(summaries).encode(), np.uint8)}
               if summaries is not None else {}))  # UTF-8 bytes: a third smaller than str
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def ownership_of(record: SelfPlayRecord) -> np.ndarray:
    """int8 (P, n, n): the record's ownership targets, zeros where it has none."""
    if record.ownership is not None:
        return record.ownership.astype(np.int8)
    return np.zeros((len(record.value),) + record.planes.shape[-2:], dtype=np.int8)


def root_q_of(record: SelfPlayRecord) -> np.ndarray:
    """float32 (P,): the record's root values, its outcomes z where it has none."""
    if record.root_q is not None:
        return record.root_q.astype(np.float32)
    return record.value.astype(np.float32)


def shard_summaries(path: Path) -> list[dict] | None:
    """The per-game summaries a shard was written with; None for a shard written without."""
    with np.load(path) as shard:
        if "summaries" not in shard.files:
            return None
        return json.loads(shard["summaries"].tobytes().decode())


def shard_paths(folder: Path, first: int = 0, last: int | None = None) -> list[Path]:
    """Finished shards, oldest first (names sort by generation and index), of generations
    ``first`` to ``last`` (default: all)."""
    last = float("inf") if last is None else last
    return [path for path in sorted(folder.glob("*.npz"))
            if first <= shard_generation(path) <= last]


def shard_generation(path: Path) -> int:
    """The self-play generation a shard belongs to, from its name ``genGGGG-wW-IIII.npz``."""
    return int(path.name[3:].split("-", 1)[0])


def read_shard(path: Path) -> tuple[np.ndarray, ...]:
    """(planes, policy, value, ownership, has_ownership, root_q, games) of one shard; a shard
    written before ownership was recorded gets zeros and a False mask, one written before
    root values were recorded gets its outcomes z as ``root_q``."""
    with np.load(path) as shard:
        planes, policy, value = shard["planes"], shard["policy"], shard["value"]
        if "ownership" in shard.files:
            ownership, has = shard["ownership"], shard["has_ownership"]
        else:
            ownership = np.zeros((len(value),) + planes.shape[-2:], dtype=np.int8)
            has = np.zeros(len(value), dtype=bool)
        root_q = shard["root_q"] if "root_q" in shard.files else value
        return (planes, policy, value, ownership, has, root_q.astype(np.float32),
                int(shard["games"]))


class Batch(NamedTuple):
    """A training batch, every array turned by the same symmetry per position."""

    planes: np.ndarray
    """float32 (B, C, n, n)."""
    policy: np.ndarray
    """float32 (B, n*n + 1): the search's visit distributions."""
    value: np.ndarray
    """float32 (B,): the value target from the side to move: the outcome z, or
    (1 - w)·z + w·q with the search's root value q (:meth:`ReplayWindow.sample`)."""
    ownership: np.ndarray
    """float32 (B, n, n): the final owner of each point from the side to move."""
    has_ownership: np.ndarray
    """bool (B,): which positions have an ownership target."""


@dataclass
class ReplayWindow:
    """Positions of the newest shards covering ``window_games`` games, in memory."""

    planes: np.ndarray
    policy: np.ndarray
    value: np.ndarray
    ownership: np.ndarray
    has_ownership: np.ndarray
    games: int
    root_q: np.ndarray | None = None
    """float32 (P,): the full searches' root values; None = z alone is known."""

    @classmethod
    def load(cls, folder: Path, window_games: int, *older: Path,
             older_last: int | None = None) -> ReplayWindow:
        """The newest shards of ``folder`` covering ``window_games`` games; if it holds
        fewer, topped up with the newest shards of each ``older`` folder in turn, of
        generations up to ``older_last`` if given (a run bootstrapped from another run's
        data, see ``ZeroConfig.init_data`` and ``init_data_last``)."""
        newest_first = [*reversed(shard_paths(folder)),
                        *(p for f in older for p in reversed(shard_paths(f, last=older_last)))]
        if not newest_first:
            raise FileNotFoundError(f"no self-play shards in {folder}")
        return cls.from_shards(newest_first, window_games)

    @classmethod
    def from_shards(cls, newest_first: list[Path], window_games: float) -> ReplayWindow:
        """The first shards of ``newest_first`` covering ``window_games`` games (``inf``:
        all of them), in memory oldest first."""
        chosen, games = [], 0
        for path in newest_first:
            if games >= window_games:
                break
            *arrays, count = read_shard(path)
            chosen.append(arrays)
            games += count
        planes, policy, value, ownership, has, root_q = (np.concatenate(parts)
                                                         for parts in zip(*reversed(chosen)))
        return cls(planes, policy.astype(np.float32), value, ownership, has, games, root_q)

    def __len__(self) -> int:
        return len(self.value)

    def sample(self, batch: int, rng: np.random.Generator, q_weight: float = 0.0) -> Batch:
        """``batch`` uniformly sampled positions, each turned by a random symmetry; the value
        target is (1 - ``q_weight``)·z + ``q_weight``·q (``ZeroConfig.value_target_q_weight``)."""
        index = rng.integers(len(self), size=batch)
        n = self.planes.shape[-1]
        planes = np.empty((batch,) + self.planes.shape[1:], dtype=np.float32)
        policy = np.empty((batch, self.policy.shape[1]), dtype=np.float32)
        ownership = np.empty((batch, n, n), dtype=np.float32)
        for row, (i, k) in enumerate(zip(index, rng.integers(8, size=batch))):
            planes[row] = transform_planes(self.planes[i], int(k))
            policy[row] = transform_policy(self.policy[i], int(k), n)
            ownership[row] = transform_planes(self.ownership[i], int(k))
        value = self.value[index].astype(np.float32)
        if q_weight > 0:
            if self.root_q is None:
                raise ValueError("q_weight > 0 needs the window's root values (root_q)")
            value = (1.0 - q_weight) * value + q_weight * self.root_q[index]
        return Batch(planes, policy, value, ownership, self.has_ownership[index])
