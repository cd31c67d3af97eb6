"""``dosaku alphago sl``: the SL policy network, learned from expert moves.

Silver et al. 2016, Methods "Supervised learning of policy networks": the policy p_σ(a|s) is
trained to maximise log p_σ(a|s) of the expert's move a in position s, on positions drawn
from expert games, each under a random one of the 8 board symmetries. The paper's net (13
layers, k = 192, 48 planes) reached 57.0% top-1 on held-out KGS positions after 340M steps
of batch 16 on 50 GPUs (three weeks). On a CPU a narrower, shallower net (``blocks``,
``channels`` in :class:`~dosaku.train.alphago.config.SLConfig`) learns much more per hour;
the trunk is the same (5x5 first layer, 3x3 layers, 1x1 head with a position bias).

A run is a folder (:mod:`.run_folder`); killed at any moment, the same command continues
from the last checkpoint (model, optimizer, step). The data stream restarts with a new seed
on resume (the stream's position is not saved; with ~15M training positions drawn 16 per
game at random, a run sees no pass twice either way).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from dosaku.io.sgf import SkipStats
from dosaku.nets import GoNet, create_model, load_model

from ..arithmetic import forward_arithmetic, place_model, place_planes, training_device
from .accuracy import MoveAccuracy, encoded_accuracy
from .config import SLConfig, to_json
from .positions import EncodedPositions, PlaneSampler, batches, encode_positions, held_out_games
from .run_folder import RunFolder, load_optimizer


def build_model(cfg: SLConfig) -> GoNet:
    """A fresh policy net of the configured family and size (19x19)."""
    return create_model(cfg.model, blocks=cfg.blocks, channels=cfg.channels,
                        encoder=cfg.encoder, head="policy", board_size=19)


def build_optimizer(cfg: SLConfig, model: GoNet) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        return torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate,
                                 weight_decay=cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=cfg.learning_rate,
                               momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    raise ValueError(f"optimizer must be 'adam' or 'sgd', got {cfg.optimizer!r}")


def learning_rate(cfg: SLConfig | object, step: int) -> float:
    """The step schedule: halved every ``lr_halve_every`` steps (the paper's, scaled)."""
    halvings = step // cfg.lr_halve_every if cfg.lr_halve_every > 0 else 0
    return cfg.learning_rate * 0.5 ** halvings


def train_step(model: GoNet, optimizer: torch.optim.Optimizer, batch: dict,
               precision: str = "fp32") -> dict:
    """One step of cross-entropy on the expert moves, the net's passes in ``precision``
    (:mod:`dosaku.train.arithmetic`) on the model's device; returns the loss and batch
    top-1."""
    model.train()
    device = next(model.parameters()).device
    planes = place_planes(batch["planes"], device)  # (B, C, n, n)
    moves = batch["moves"].to(device, non_blocking=True)  # (B,)
    with forward_arithmetic(precision, device.type):
        logits = model(planes).policy  # (B, n*n + 1)
    loss = F.cross_entropy(logits.float(), moves)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return {"loss": loss.item(), "top1": (logits.argmax(1) == moves).float().mean().item()}


def resume(cfg: SLConfig, run: RunFolder, model: GoNet,
           optimizer: torch.optim.Optimizer) -> int:
    """Load the newest checkpoint into ``model`` and ``optimizer``; its step (0 if none)."""
    step = run.latest_step()
    if step > 0:
        model.load_state_dict(load_model(run.model_path(step)).state_dict())
        load_optimizer(optimizer, run.optimizer_path(step))
    return step


def checkpoint(cfg: SLConfig, run: RunFolder, model: GoNet, optimizer: torch.optim.Optimizer,
               step: int, extra: dict) -> None:
    """Checkpoint ``step`` (optimizer, then model; atomic) with this stage's provenance."""
    provenance = {"stage": "alphago-sl", "step": step, "positions": step * cfg.batch_size,
                  "config": json.loads(to_json(cfg)), **extra}
    run.save_checkpoint(model, optimizer, step, cfg.keep_checkpoints, provenance)


def validation_set(cfg: SLConfig) -> tuple[EncodedPositions, SkipStats]:
    stats = SkipStats()
    games = held_out_games(cfg, cfg.validation_games, stats)
    return encode_positions(games, cfg.encoder, stats), stats


def validate(model: GoNet, data: EncodedPositions) -> MoveAccuracy:
    accuracy = encoded_accuracy(model, data)
    model.train()
    return accuracy


def run_sl(cfg: SLConfig, folder: str | Path) -> dict:
    """Train (or resume) up to ``cfg.steps`` in ``folder``; returns the last validation."""
    from torch.utils.tensorboard import SummaryWriter

    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    started = time.time()
    device = training_device(cfg.device)
    run = RunFolder(folder)
    run.prepare(cfg)
    model = place_model(build_model(cfg), device)
    optimizer = build_optimizer(cfg, model)
    step = resume(cfg, run, model, optimizer)
    finals = [e for e in run.entries() if e.get("phase") == "validation"]
    if step >= cfg.steps and finals:
        return finals[-1]
    validation, skipped = validation_set(cfg)
    tqdm.write(f"validation: {len(validation)} positions of {skipped.read} held-out games "
               f"({skipped.skipped} skipped); training on {device}")
    writer = SummaryWriter(str(run.root / "tb"))
    stream = batches(cfg, PlaneSampler(cfg.encoder), cfg.batch_size, epoch_seed=step,
                     pin_memory=device.type == "cuda")
    last: dict = {}
    # running means for the progress bar, picking up where a resumed run left off
    smooth = {"loss": finals[-1]["train_loss"] if finals else math.log(19 * 19 + 1),
              "top1": finals[-1]["top1"] if finals else 0.0}
    deadline = started + 60 * cfg.max_minutes if cfg.max_minutes > 0 else math.inf
    clock, first_step = time.time(), step
    loaders_up = False  # positions/s is timed from the first batch on (not the loaders' start)
    try:
        with tqdm(total=cfg.steps, initial=step, desc="sl", unit="step") as bar:
            while step < cfg.steps:
                lr = learning_rate(cfg, step)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                batch = next(stream)
                metrics = train_step(model, optimizer, batch, cfg.train_precision)
                step += 1
                for key, value in metrics.items():
                    smooth[key] = 0.98 * smooth[key] + 0.02 * value
                    writer.add_scalar(f"train/{key}", value, step)
                writer.add_scalar("train/learning_rate", lr, step)
                if not loaders_up:
                    loaders_up, clock, first_step = True, time.time(), step
                rate = (step - first_step) * cfg.batch_size / max(time.time() - clock, 1e-9)
                bar.set_postfix(loss=f"{smooth['loss']:.3f}", top1=f"{smooth['top1']:.3f}",
                                pos_s=f"{rate:.0f}")
                bar.update(1)
                stopping = time.time() >= deadline
                if stopping:
                    tqdm.write(f"max_minutes ({cfg.max_minutes}) reached at step {step}: "
                               f"the same command resumes")
                if step % cfg.validate_every == 0 or step == cfg.steps or stopping:
                    accuracy = validate(model, validation)
                    last = {"phase": "validation", "step": step,
                            "positions_trained": step * cfg.batch_size,
                            "train_loss": round(smooth["loss"], 4),
                            "positions_per_s": round(rate, 1),
                            "skipped_games": int(batch["skipped"]), **accuracy.summary()}
                    run.log(last)
                    writer.add_scalar("validation/top1", accuracy.top1, step)
                    writer.add_scalar("validation/top5", accuracy.top5, step)
                    tqdm.write(f"step {step}: held-out top-1 {accuracy.top1:.3f}, "
                               f"top-5 {accuracy.top5:.3f} ({accuracy.positions} positions)")
                if step % cfg.checkpoint_every == 0 or step == cfg.steps or stopping:
                    extra = {k: last[k] for k in ("top1", "top5")} if last.get(
                        "step") == step else {}
                    checkpoint(cfg, run, model, optimizer, step, extra)
                if stopping:
                    break
    finally:
        writer.close()
        del stream  # stops the worker processes
    return last
