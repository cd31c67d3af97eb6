"""The replay buffer: self-play games as compressed shards on disk, a window of recent games.

A shard is one ``.npz`` (planes uint8, policy float16, value int8, plus how many games it
holds), written to a temporary name and renamed, so a shard either exists whole or not at all:
killing the run never leaves half a shard, and a finished game is never lost. The window is the
newest shards holding at least ``window_games`` games; training samples positions uniformly
from it, each under a random one of the 8 board symmetries (AlphaGo Zero, "data augmentation").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dosaku.features.symmetry import transform_planes, transform_policy

from .selfplay import SelfPlayRecord


def write_shard(path: Path, records: list[SelfPlayRecord]) -> None:
    """Save ``records`` as one shard, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez_compressed(
            f, planes=np.concatenate([r.planes for r in records]),
            policy=np.concatenate([r.policy for r in records]).astype(np.float16),
            value=np.concatenate([r.value for r in records]),
            games=np.array(len(records)))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def shard_paths(folder: Path) -> list[Path]:
    """Finished shards, oldest first (names sort by generation and index)."""
    return sorted(folder.glob("*.npz"))


@dataclass
class ReplayWindow:
    """Positions of the newest shards covering ``window_games`` games, in memory."""

    planes: np.ndarray
    policy: np.ndarray
    value: np.ndarray
    games: int

    @classmethod
    def load(cls, folder: Path, window_games: int) -> ReplayWindow:
        chosen, games = [], 0
        for path in reversed(shard_paths(folder)):
            if games >= window_games:
                break
            with np.load(path) as shard:
                chosen.append((shard["planes"], shard["policy"], shard["value"]))
                games += int(shard["games"])
        if not chosen:
            raise FileNotFoundError(f"no self-play shards in {folder}")
        planes, policy, value = (np.concatenate(parts) for parts in zip(*reversed(chosen)))
        return cls(planes, policy.astype(np.float32), value, games)

    def __len__(self) -> int:
        return len(self.value)

    def sample(self, batch: int, rng: np.random.Generator):
        """(planes float32 (B, C, n, n), policy (B, n*n+1), value (B,)), uniformly sampled
        positions, each turned by a random symmetry."""
        index = rng.integers(len(self), size=batch)
        n = self.planes.shape[-1]
        planes = np.empty((batch,) + self.planes.shape[1:], dtype=np.float32)
        policy = np.empty((batch, self.policy.shape[1]), dtype=np.float32)
        for row, (i, k) in enumerate(zip(index, rng.integers(8, size=batch))):
            planes[row] = transform_planes(self.planes[i], int(k))
            policy[row] = transform_policy(self.policy[i], int(k), n)
        return planes, policy, self.value[index].astype(np.float32)
