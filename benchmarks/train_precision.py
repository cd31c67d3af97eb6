"""Training steps in fp32 vs bf16 autocast: positions/s and gradient agreement, per net.

bf16 autocast runs the convolutions' forward and backward passes in bfloat16 (on CPUs with
AMX or AVX-512 BF16 units, at several times fp32's rate) while the weights, the optimizer and
the loss's softmax stay fp32 (Micikevicius et al. 2018, "Mixed precision training"; bf16 needs
no loss scaling: it has fp32's exponent range). This script times one optimizer step of each
net at its training batch size in both arithmetics, from the same weights and batch, and
reports the cosine between the two gradients (1 = the same direction) and the two losses.

Planes are random 0/1 stone-like planes: speed does not depend on their content; the
gradient comparison only needs the same input for both.

Run: ``python benchmarks/train_precision.py [--seconds 5]`` (one thread).
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from dosaku.nets import create_model

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="timing per cell")
    parser.add_argument("--only", default=None, help="run the nets whose label has this text")
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


if __name__ == "__main__":
    main()
