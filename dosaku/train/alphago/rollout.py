"""``dosaku alphago rollout``: the fast rollout policy, learned from expert moves.

Silver et al. 2016, Methods "Rollout policy": p_π(a|s) is a linear softmax over small
pattern features (:mod:`dosaku.features.rollout`), trained on 8M human positions to 24.2%
accuracy at 2 µs per move. Its log-likelihood gradient for the expert's candidate t is, for
every candidate j, ``(1[j = t] - p_j)`` times each of j's (0/1) features, so one position
updates only the few weights its candidates use: plain SGD, one position at a time, in numba
(:func:`sgd_positions`), with L2 shrinkage on the weights it touches.

Positions whose expert move is not a candidate (passes while moves remain, own-eye fills)
teach nothing and count as misses in the accuracy. Features are computed in worker processes
(:class:`~dosaku.train.alphago.positions.RolloutSampler`); the run folder, checkpoints and
resume work as for the SL net (:mod:`.run_folder`), the checkpoint being the weight file
itself (:func:`~dosaku.features.rollout.save_rollout_weights`; no optimizer state: plain SGD
has none).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
from numba import njit
from tqdm import tqdm

from dosaku.features.rollout import (RolloutLayout, RolloutWeights, load_rollout_weights,
                                     save_rollout_weights)
from dosaku.io.sgf import SkipStats

from .config import RolloutConfig, to_json
from .positions import RolloutSampler, batches, collate_sparse, held_out_games, replay
from .run_folder import RunFolder, tmp_path


@njit(cache=True)
def sgd_positions(weights, position_offsets, candidate_offsets, indices, targets, lr, l2,
                  learn, scores, stats):
    """Score (and if ``learn``, train on) positions in order; adds to ``stats`` (float64[4]):
    positions, summed log-loss (positions with a target), top-1 hits, top-5 hits.

    ``scores`` is scratch of at least the most candidates of a position. Ties rank the
    earlier candidate (the lower move index) first, as :func:`stable_topk` does.
    """
    for i in range(position_offsets.shape[0] - 1):
        c0, m = position_offsets[i], position_offsets[i + 1] - position_offsets[i]
        t = targets[i]
        stats[0] += 1
        if t < 0 or m == 0:
            continue
        best = -np.inf
        for j in range(m):
            s = 0.0
            for f in range(candidate_offsets[c0 + j], candidate_offsets[c0 + j + 1]):
                s += weights[indices[f]]
            scores[j] = s
            best = max(best, s)
        total = 0.0
        for j in range(m):
            total += np.exp(scores[j] - best)
        log_z = best + np.log(total)
        stats[1] += log_z - scores[t]
        rank = 0
        for j in range(m):
            if scores[j] > scores[t] or (scores[j] == scores[t] and j < t):
                rank += 1
        if rank == 0:
            stats[2] += 1
        if rank < 5:
            stats[3] += 1
        if not learn:
            continue
        for j in range(m):
            g = np.exp(scores[j] - log_z) - (1.0 if j == t else 0.0)  # d loss / d score_j
            for f in range(candidate_offsets[c0 + j], candidate_offsets[c0 + j + 1]):
                k = indices[f]
                weights[k] -= lr * (g + l2 * weights[k])


def score_batch(weights: np.ndarray, batch: dict, lr: float = 0.0, l2: float = 0.0,
                learn: bool = False) -> np.ndarray:
    """float64[4] (positions, loss sum, top-1 hits, top-5 hits) of a collated batch."""
    stats = np.zeros(4)
    arrays = {k: np.asarray(batch[k]) for k in  # a DataLoader hands over torch tensors
              ("position_offsets", "candidate_offsets", "indices", "targets")}
    offsets = arrays["position_offsets"]
    most = int(np.diff(offsets).max()) if len(offsets) > 1 else 0
    sgd_positions(weights, offsets, arrays["candidate_offsets"], arrays["indices"],
                  arrays["targets"], lr, l2, learn, np.empty(max(most, 1)), stats)
    return stats


def validation_set(cfg: RolloutConfig, layout: RolloutLayout) -> tuple[list[dict], SkipStats]:
    """The held-out positions' features, collated in chunks of 1024 positions."""
    stats = SkipStats()
    sampler = RolloutSampler(layout)
    samples: list = []
    for record in held_out_games(cfg, cfg.validation_games, stats):
        samples += [sampler(state, move, None) for state, move in replay(record)]
    chunks = [collate_sparse(samples[i:i + 1024]) for i in range(0, len(samples), 1024)]
    return chunks, stats


def validate(weights: np.ndarray, chunks: list[dict]) -> dict:
    stats = sum((score_batch(weights, c) for c in chunks), np.zeros(4))
    n = max(stats[0], 1)
    return {"positions": int(stats[0]), "top1": round(stats[2] / n, 4),
            "top5": round(stats[3] / n, 4)}


def layout_of(cfg: RolloutConfig) -> RolloutLayout:
    return RolloutLayout(response_bits=cfg.response_bits, pattern_bits=cfg.pattern_bits)


def learning_rate(cfg: RolloutConfig, step: int) -> float:
    halvings = step // cfg.lr_halve_every if cfg.lr_halve_every > 0 else 0
    return cfg.learning_rate * 0.5 ** halvings


def checkpoint(cfg: RolloutConfig, run: RunFolder, weights: np.ndarray, step: int,
               extra: dict) -> None:
    path = run.model_path(step)
    provenance = {"stage": "alphago-rollout", "step": step,
                  "positions": step * cfg.batch_size,
                  "config": json.loads(to_json(cfg)), **extra}
    save_rollout_weights(RolloutWeights(weights.astype(np.float32), layout_of(cfg),
                                        provenance), tmp_path(path))
    tmp_path(path).replace(path)
    run.finish_checkpoint(step, cfg.keep_checkpoints)


def run_rollout(cfg: RolloutConfig, folder: str | Path) -> dict:
    """Train (or resume) up to ``cfg.steps`` in ``folder``; returns the last validation."""
    from torch.utils.tensorboard import SummaryWriter

    run = RunFolder(folder, published="rollout.safetensors")
    run.prepare(cfg)
    layout = layout_of(cfg)
    step = run.latest_step()
    weights = (load_rollout_weights(run.model_path(step)).weights if step
               else np.zeros(layout.size, dtype=np.float32)).astype(np.float64)
    finals = [e for e in run.entries() if e.get("phase") == "validation"]
    if step >= cfg.steps and finals:
        return finals[-1]
    validation, skipped = validation_set(cfg, layout)
    tqdm.write(f"validation: {sum(len(c['targets']) for c in validation)} positions of "
               f"{skipped.read} held-out games ({skipped.skipped} skipped)")
    writer = SummaryWriter(str(run.root / "tb"))
    stream = batches(cfg, RolloutSampler(layout), cfg.batch_size, epoch_seed=step)
    last: dict = {}
    # running means for the progress bar, picking up where a resumed run left off
    smooth = {"loss": finals[-1]["train_loss"] if finals else math.log(250),
              "top1": finals[-1]["top1"] if finals else 0.0}
    started, first_step = time.time(), step
    try:
        with tqdm(total=cfg.steps, initial=step, desc="rollout", unit="step") as bar:
            while step < cfg.steps:
                lr = learning_rate(cfg, step)
                batch = next(stream)
                stats = score_batch(weights, batch, lr, cfg.l2, learn=True)
                step += 1
                metrics = {"loss": stats[1] / max(stats[0], 1), "top1": stats[2] / stats[0]}
                for key, value in metrics.items():
                    smooth[key] = 0.98 * smooth[key] + 0.02 * value
                    writer.add_scalar(f"train/{key}", value, step)
                rate = (step - first_step) * cfg.batch_size / max(time.time() - started, 1e-9)
                bar.set_postfix(loss=f"{smooth['loss']:.3f}", top1=f"{smooth['top1']:.3f}",
                                pos_s=f"{rate:.0f}")
                bar.update(1)
                if step % cfg.validate_every == 0 or step == cfg.steps:
                    accuracy = validate(weights, validation)
                    last = {"phase": "validation", "step": step,
                            "positions_trained": step * cfg.batch_size,
                            "train_loss": round(smooth["loss"], 4),
                            "positions_per_s": round(rate, 1),
                            "skipped_games": int(batch["skipped"]),
                            "games": skipped.read, **accuracy}
                    run.log(last)
                    writer.add_scalar("validation/top1", accuracy["top1"], step)
                    writer.add_scalar("validation/top5", accuracy["top5"], step)
                    tqdm.write(f"step {step}: held-out top-1 {accuracy['top1']:.3f}, "
                               f"top-5 {accuracy['top5']:.3f}")
                if step % cfg.checkpoint_every == 0 or step == cfg.steps:
                    extra = {k: last[k] for k in ("top1", "top5")} if last.get(
                        "step") == step else {}
                    checkpoint(cfg, run, weights, step, extra)
    finally:
        writer.close()
        del stream
    return last
