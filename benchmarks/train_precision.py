"""Training steps in fp32 vs bf16 autocast: positions/s and gradient agreement, per net.

bf16 autocast runs the convolutions' forward and backward passes in bfloat16 (on CPUs with
AMX or AVX-512 BF16 units, at several times fp32's rate) while the weights, the optimizer and
the loss's softmax stay fp32 (Micikevicius et al. 2018, "Mixed precision training"; bf16 needs
no loss scaling: it has fp32's exponent range). This script times one optimizer step of each
net at its training batch size in both arithmetics, from the same weights and batch, and
reports the cosine between the two gradients (1 = the same direction) and the two losses.

Planes are random 0/1 stone-like planes: speed does not depend on their content; the
gradient comparison only needs the same input for both.

With ``--zero-run RUN --generation G`` it also does what the loop does next: trains that
run's generation-G net for ``--steps`` steps on generation G+1's replay window (the newest
``window_games`` games up to G+1), in each arithmetic on the same batches, and scores both on
generations G+2 and G+3's positions, which neither has seen: does bf16 learn as well, not
only as fast? A second fp32 row trained on other batches of the same window shows how far
two fp32 runs land apart (the noise any difference must exceed).

Run: ``python benchmarks/train_precision.py [--seconds 5] [--zero-run training/zero9x9-r5
--generation 40 --steps 300]`` (one thread).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from dosaku.nets import create_model, load_model
from dosaku.train.zero.buffer import ReplayWindow, shard_paths
from dosaku.train.zero.config import config_from_json
from dosaku.train.zero.trainer import Trainer

NETS = (
    # (label, model name, kwargs, batch)
    ("Zero resnet_b6c64 9x9 (r5)", "resnet_b6c64", {"board_size": 9, "ownership": True}, 128),
    ("AlphaGo SL 6 x 64 19x19", "alphago_policy",
     {"blocks": 6, "channels": 64, "encoder": "alphago48", "head": "policy",
      "board_size": 19}, 64),
    ("AlphaGo SL 10 x 128 19x19", "alphago_policy",
     {"blocks": 10, "channels": 128, "encoder": "alphago48", "head": "policy",
      "board_size": 19}, 64),
    ("AlphaGo SL 13 x 192 19x19 (paper)", "alphago_policy",
     {"blocks": 13, "channels": 192, "encoder": "alphago48", "head": "policy",
      "board_size": 19}, 64),
)


def loss_of(model, planes: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    out = model(planes)
    loss = F.cross_entropy(out.policy.float(), targets)
    if out.value is not None:
        loss = loss + out.value.float().pow(2).mean()
    return loss


def one_step(model, planes, targets, precision: str) -> tuple[float, torch.Tensor]:
    """(loss, flat gradient) of one forward/backward in ``precision``."""
    model.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
        loss = loss_of(model, planes, targets)
    loss.backward()
    return loss.item(), torch.cat([p.grad.flatten() for p in model.parameters()
                                    if p.grad is not None])


def rate(model, planes, targets, precision: str, seconds: float) -> float:
    """Positions/s of full optimizer steps (SGD with momentum) in ``precision``."""
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6, momentum=0.9)
    one_step(model, planes, targets, precision)  # warm-up (oneDNN kernels, allocations)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or steps < 2:
        one_step(model, planes, targets, precision)
        optimizer.step()
        steps += 1
    return steps * len(planes) / (time.perf_counter() - start)


def window_upto(shards: Path, generation: int, games: float) -> ReplayWindow:
    """The replay window generation ``generation``'s training saw: the newest shards up to
    it covering ``games`` games."""
    paths = shard_paths(shards, last=generation)
    return ReplayWindow.from_shards(paths[::-1], games)


def held_out_loss(model, window: ReplayWindow) -> tuple[float, float]:
    """(policy cross-entropy to the visit distributions, value MSE), fp32, eval mode."""
    model.eval()
    policy, value = 0.0, 0.0
    with torch.inference_mode():
        for start in range(0, len(window), 512):
            rows = slice(start, start + 512)
            out = model(torch.from_numpy(window.planes[rows].astype(np.float32)))
            log_p = F.log_softmax(out.policy, dim=1)
            policy -= (torch.from_numpy(window.policy[rows]) * log_p).sum().item()
            value += ((out.value.reshape(-1) - torch.from_numpy(
                window.value[rows].astype(np.float32))) ** 2).sum().item()
    return policy / len(window), value / len(window)


def zero_quality(run: Path, generation: int, steps: int) -> None:
    """Train generation ``generation`` of ``run`` in fp32 and in bf16 on the same batches."""
    cfg = config_from_json((run / "config.json").read_text())
    window = window_upto(run / "shards", generation + 1, cfg.window_games)
    fresh = shard_paths(run / "shards", generation + 2, generation + 3)
    if not fresh:
        raise SystemExit(f"{run}: no shards after generation {generation + 1} to score on")
    test = ReplayWindow.from_shards(fresh[::-1], float("inf"))
    start_model = run / "models" / f"gen{generation:04d}.safetensors"
    base = held_out_loss(load_model(start_model), test)
    print(f"\n{run}: generation {generation}'s net, {steps} steps x {cfg.batch_size} from "
          f"generation {generation + 1}'s window ({window.games} games, {len(window):,} "
          f"positions), scored on {len(test):,} positions of generations {generation + 2}-"
          f"{generation + 3}\n")
    print("| arithmetic | batches | seconds | samples/s | held-out policy loss "
          "| held-out value loss |")
    print("|---|---|---|---|---|---|")
    print(f"| (start: generation {generation}) | - | - | - | {base[0]:.4f} | {base[1]:.4f} |")
    for precision, seed in (("fp32", 0), ("bf16", 0), ("fp32", 1)):
        rng = np.random.default_rng(seed)
        batches = [window.sample(cfg.batch_size, rng) for _ in range(steps)]
        model = load_model(start_model)
        trainer = Trainer(model, dataclasses.replace(cfg, train_precision=precision))
        trainer.set_generation(generation + 1)
        began = time.perf_counter()
        for batch in batches:
            trainer.step(*batch)
        seconds = time.perf_counter() - began
        policy, value = held_out_loss(model, test)
        rate = steps * cfg.batch_size / seconds
        print(f"| {precision} | seed {seed} | {seconds:.1f} | {rate:,.0f} | {policy:.4f} | "
              f"{value:.4f} |", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="timing per cell")
    parser.add_argument("--only", default=None, help="run the nets whose label has this text")
    parser.add_argument("--zero-run", type=Path, default=None,
                        help="also train this Zero run's net in both arithmetics")
    parser.add_argument("--generation", type=int, default=40)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, one thread; one optimizer step per timing unit\n")
    print("| net | batch | fp32 positions/s | bf16 positions/s | bf16 / fp32 | gradient cosine "
          "| loss fp32 | loss bf16 |")
    print("|---|---|---|---|---|---|---|---|")
    for label, name, kwargs, batch in NETS:
        if args.only and args.only not in label:
            continue
        model = create_model(name, **kwargs)
        model.train()
        c, n = model.config.in_planes, model.config.board_size
        planes = (torch.rand(batch, c, n, n) < 0.3).float()
        targets = torch.randint(n * n + 1, (batch,))
        loss32, grad32 = one_step(model, planes, targets, "fp32")
        loss16, grad16 = one_step(model, planes, targets, "bf16")
        cosine = F.cosine_similarity(grad32, grad16, dim=0).item()
        fp32 = rate(model, planes, targets, "fp32", args.seconds)
        bf16 = rate(model, planes, targets, "bf16", args.seconds)
        print(f"| {label} | {batch} | {fp32:,.0f} | {bf16:,.0f} | {bf16 / fp32:.2f}× | "
              f"{cosine:.4f} | {loss32:.4f} | {loss16:.4f} |", flush=True)
    if args.zero_run is not None:
        zero_quality(args.zero_run, args.generation, args.steps)


if __name__ == "__main__":
    main()
