"""How well a policy predicts expert moves, and a value net the game results.

*Top-k accuracy*: the fraction of positions whose expert move is among the policy's k
highest-scored moves (Silver et al. 2016: 57.0% top-1 for the 13-layer SL net on KGS
positions, 24.2% for the rollout policy). Every move of every game counts, passes included;
the net's argmax is over all n*n + 1 outputs, unmasked, as in the paper's figure. A rollout
policy scores only its candidates (legal, not an own eye): an expert move outside them (a
pass while candidates remain, an own-eye fill) is a miss. Ties are broken by the lower index.

*Value MSE*: the mean of (z - v)² over positions, z the game's result for the side to move
(+1 won, -1 lost, 0 jigo); games without a result (``RE[?]``, void) are skipped (Silver et
al. 2016, "Reinforcement learning of value networks", reports it on KGS and self-play games).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from dosaku.features import encoder_named
from dosaku.features.rollout import RolloutWeights
from dosaku.io.records import GameRecord, SgfError
from dosaku.io.sgf import SkipStats
from dosaku.nets import GoNet

from .positions import EncodedPositions, replay, winner_value

TOP_K = 5
PHASES = (0, 50, 100, 150, 200)
"""Move numbers where the value MSE's phases start (the last phase runs to the end)."""


@dataclass
class MoveAccuracy:
    """Running counts of top-1 and top-5 hits."""

    positions: int = 0
    top1_hits: int = 0
    top5_hits: int = 0
    games: int = 0

    @property
    def top1(self) -> float:
        return self.top1_hits / max(self.positions, 1)

    @property
    def top5(self) -> float:
        return self.top5_hits / max(self.positions, 1)

    def add(self, logits: torch.Tensor | np.ndarray, moves: torch.Tensor | np.ndarray) -> None:
        """Count a batch: ``logits`` (B, n*n + 1), ``moves`` (B,)."""
        logits = torch.as_tensor(logits)
        moves = torch.as_tensor(moves).reshape(-1, 1)
        k = min(TOP_K, logits.shape[1])
        top = stable_topk(logits, k)  # (B, k)
        hits = top == moves
        self.positions += len(moves)
        self.top1_hits += int(hits[:, 0].sum())
        self.top5_hits += int(hits.any(dim=1).sum())

    def summary(self) -> dict[str, float | int]:
        return {"games": self.games, "positions": self.positions,
                "top1": round(self.top1, 4), "top5": round(self.top5, 4)}


def stable_topk(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the k largest entries per row, ties to the lower index (B, k)."""
    order = torch.argsort(-logits.double(), dim=1, stable=True)
    return order[:, :k]


@torch.no_grad()
def encoded_accuracy(model: GoNet, data: EncodedPositions, batch_size: int = 256
                     ) -> MoveAccuracy:
    """Top-1/top-5 of ``model``'s policy on pre-encoded positions (the trainer's validation)."""
    model.eval()
    device = next(model.parameters()).device
    acc = MoveAccuracy(games=data.games)
    for start in range(0, len(data), batch_size):
        stop = min(start + batch_size, len(data))
        out = model(torch.from_numpy(data.batch(start, stop)).to(device))
        acc.add(out.policy.float().cpu(), data.moves[start:stop])
    return acc


def _game_positions(record: GameRecord, encode, skip_stats: SkipStats):
    """(encoded position, move, value for the mover, moves played before it) of one game;
    [] if it fails to replay."""
    out = []
    try:
        for number, (state, move) in enumerate(replay(record)):
            out.append((encode(state), move, winner_value(record, state.to_play), number))
    except SgfError as e:
        skip_stats.add(e)
        return []
    return out


@torch.no_grad()
def net_policy_accuracy(model: GoNet, records: Iterable[GameRecord],
                        skip_stats: SkipStats, batch_size: int = 256,
                        progress=None) -> MoveAccuracy:
    """Top-1/top-5 of a net's policy head over every move of ``records``."""
    if model.policy_head is None:
        raise ValueError(f"the model has a {model.config.head} head, no policy")
    acc = MoveAccuracy()
    for planes, moves, _, _ in _net_batches(model, records, skip_stats, batch_size, acc,
                                         progress):
        acc.add(model(planes).policy, moves)
    return acc


@torch.no_grad()
def net_value_mse(model: GoNet, records: Iterable[GameRecord], skip_stats: SkipStats,
                  batch_size: int = 256, progress=None) -> dict[str, float | int]:
    """MSE of a net's value head against the results of ``records``, overall and by phase
    of the game (:data:`PHASES`: an opening is a coin even for a perfect judge, an endgame
    is not)."""
    if model.value_head is None:
        raise ValueError(f"the model has a {model.config.head} head, no value")
    squares = np.zeros(len(PHASES))
    counts = np.zeros(len(PHASES), dtype=np.int64)
    games = MoveAccuracy()
    for planes, _, values, numbers in _net_batches(model, records, skip_stats, batch_size,
                                                   games, progress):
        keep = ~torch.isnan(values)
        if keep.any():
            error = ((model(planes[keep]).value.float() - values[keep]) ** 2).numpy()
            phase = np.searchsorted(PHASES, numbers[keep].numpy(), side="right") - 1
            np.add.at(squares, phase, error)
            np.add.at(counts, phase, 1)
    positions = int(counts.sum())
    by_phase = {phase_name(i): round(float(squares[i] / counts[i]), 5)
                for i in range(len(PHASES)) if counts[i]}
    return {"games": games.games, "positions": positions,
            "mse": round(float(squares.sum()) / max(positions, 1), 5),
            "mse_by_move": by_phase}


def phase_name(i: int) -> str:
    """'0-49', ..., '200+' for the phases of :data:`PHASES`."""
    if i + 1 < len(PHASES):
        return f"{PHASES[i]}-{PHASES[i + 1] - 1}"
    return f"{PHASES[i]}+"


def _net_batches(model: GoNet, records: Iterable[GameRecord], skip_stats: SkipStats,
                 batch_size: int, counts: MoveAccuracy, progress):
    """(planes float (B, C, n, n), moves (B,), values (B,) (nan without a result), move
    numbers (B,))."""
    model.eval()
    encoder = encoder_named(model.config.encoder)
    pending: list = []
    for record in records:
        if record.size != model.config.board_size:
            skip_stats.add(record.error(f"{record.size}x{record.size}, the net plays "
                                        f"{model.config.board_size}x{model.config.board_size}"))
            continue
        game = _game_positions(record, encoder.encode, skip_stats)
        if game:
            counts.games += 1
        pending += game
        if progress is not None:
            progress.update(1)
        while len(pending) >= batch_size:
            yield _stack(pending[:batch_size])
            pending = pending[batch_size:]
    if pending:
        yield _stack(pending)


def _stack(items: Sequence) -> tuple[torch.Tensor, ...]:
    planes = torch.from_numpy(np.stack([p for p, _, _, _ in items]).astype(np.float32))
    moves = torch.tensor([m for _, m, _, _ in items], dtype=torch.int64)
    values = torch.tensor([np.nan if v is None else v for _, _, v, _ in items],
                          dtype=torch.float32)
    numbers = torch.tensor([k for _, _, _, k in items], dtype=torch.int64)
    return planes, moves, values, numbers


def rollout_policy_accuracy(weights: RolloutWeights, records: Iterable[GameRecord],
                            skip_stats: SkipStats, progress=None) -> MoveAccuracy:
    """Top-1/top-5 of the rollout policy over every move of ``records``."""
    acc = MoveAccuracy()
    for record in records:
        game = _game_positions(record, weights.logits, skip_stats)
        if game:
            acc.games += 1
            acc.add(np.stack([g[0] for g in game]), np.array([g[1] for g in game]))
        if progress is not None:
            progress.update(1)
    return acc
