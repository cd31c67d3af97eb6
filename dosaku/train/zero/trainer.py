"""Training the dual network on self-play data (AlphaGo Zero, "Optimization").

    l = (z - v)² - πᵀ log p + c‖θ‖²

value MSE against the game outcome z, cross-entropy against the search's visit distribution
π, L2 through SGD's weight decay; SGD with momentum 0.9. The optimizer's momentum buffers are
saved beside the model as safetensors (no pickle), so a resumed run continues the same
trajectory. ``train_precision`` ``bf16`` runs the net's passes under bf16 autocast
(:mod:`dosaku.train.arithmetic`), the loss in fp32.

With an ownership head (KataGo, Wu 2019, section 4.1) the loss gains

    + w · (1/B) Σ_positions with a target (1/n²) Σ_points (o - t)²

the squared error of the predicted ownership o (tanh, in [-1, 1]) against the final owner t
from the side to move, meaned over the points and summed over the positions that have a
target, over the whole batch B (positions without one add nothing, as KataGo's zero-weighted
rows do). Squared error rather than KataGo's cross-entropy on (1 + o)/2: it is the value
head's own loss on the same tanh scale, so ``ownership_weight`` reads against ``value_loss``
directly, and KataGo's 1.5 keeps roughly its proportion (an untrained head's per-point loss is
about 1 here, ln 2 in KataGo's form, as its value loss is about 1 here, ln 3 in KataGo's); the
head needs no second, pre-tanh output, and the dame target 0 sits in the middle of the range.
Its cost, a small gradient where tanh saturates on the wrong side, is the value head's too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file

from dosaku.nets import GoNet

from ..arithmetic import forward_arithmetic, place_model, place_planes, training_device
from .config import ZeroConfig


class Trainer:
    """SGD on a GoNet with a dual head (and, if it has one, an ownership head).

    Raises ValueError if ``cfg.ownership_weight`` > 0 and the net has no ownership head.
    """

    def __init__(self, model: GoNet, cfg: ZeroConfig):
        if cfg.ownership_weight > 0 and model.ownership_head is None:
            raise ValueError("ownership_weight > 0 needs a net built with ownership=True")
        self.device = training_device(cfg.device)
        self.model = place_model(model, self.device)
        self.cfg = cfg
        self.optimizer = torch.optim.SGD(model.parameters(), lr=cfg.learning_rate,
                                         momentum=0.9, weight_decay=cfg.weight_decay)

    def set_generation(self, generation: int) -> float:
        """Step learning-rate schedule: ÷10 every ``lr_decay_generations``."""
        lr = self.cfg.learning_rate
        if self.cfg.lr_decay_generations > 0:
            lr /= 10 ** (generation // self.cfg.lr_decay_generations)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr

    def step(self, planes: np.ndarray, policy: np.ndarray, value: np.ndarray,
             ownership: np.ndarray | None = None,
             has_ownership: np.ndarray | None = None) -> dict:
        """One optimizer step on a batch (a :class:`~.buffer.Batch` unpacks into these);
        returns the losses and the policy's entropy, and with an ownership head
        ``ownership_loss`` (mean squared error per point over the positions with a target) and
        ``ownership_targets`` (the fraction of the batch that has one)."""
        self.model.train()
        x = place_planes(torch.from_numpy(planes), self.device)
        with forward_arithmetic(self.cfg.train_precision, self.device.type):
            if self.model.ownership_head is None:
                out, own = self.model(x), None
            else:
                out, own = self.model.forward_with_ownership(x)  # own: (B, n, n)
        if own is not None:
            own = own.float()
        log_p = F.log_softmax(out.policy.float(), dim=1)  # (B, n*n+1)
        target_pi = torch.from_numpy(policy).to(self.device)
        policy_loss = -(target_pi * log_p).sum(dim=1).mean()
        value_loss = F.mse_loss(out.value.float().reshape(-1),
                                torch.from_numpy(value).to(self.device))
        loss = policy_loss + value_loss
        metrics = {}
        if own is not None:
            term, metrics = ownership_loss(own, ownership, has_ownership)
            loss = loss + self.cfg.ownership_weight * term
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        with torch.no_grad():
            entropy = -(log_p.exp() * log_p).sum(dim=1).mean()
        return {"loss": loss.item(), "policy_loss": policy_loss.item(),
                "value_loss": value_loss.item(), "policy_entropy": entropy.item(), **metrics}

    def save_optimizer(self, path: Path) -> None:
        """Momentum buffers by parameter name, written atomically."""
        names = {id(p): name for name, p in self.model.named_parameters()}
        tensors = {}
        for group in self.optimizer.param_groups:
            for p in group["params"]:
                buf = self.optimizer.state.get(p, {}).get("momentum_buffer")
                if buf is not None:
                    tensors[names[id(p)]] = buf.detach().cpu().contiguous()
        tmp = path.with_name(path.name + ".tmp")
        save_file(tensors, str(tmp), metadata={"dosaku": json.dumps({"optimizer": "sgd"})})
        os.replace(tmp, path)

    def load_optimizer(self, path: Path) -> None:
        params = dict(self.model.named_parameters())
        with safe_open(str(path), framework="pt") as f:
            for name in f.keys():
                if name not in params:
                    raise ValueError(f"{path}: optimizer state for unknown parameter {name!r}")
                buf = f.get_tensor(name)
                if buf.shape != params[name].shape:
                    raise ValueError(f"{path}: momentum of {name!r} has shape "
                                     f"{tuple(buf.shape)}, the parameter "
                                     f"{tuple(params[name].shape)}")
                self.optimizer.state[params[name]]["momentum_buffer"] = buf.to(
                    params[name].device)


def ownership_loss(predicted: torch.Tensor, target: np.ndarray | None,
                   has_target: np.ndarray | None) -> tuple[torch.Tensor, dict]:
    """(loss term, metrics): Σ over positions with a target of the per-point mean squared
    error, divided by the batch size (see the module doc). Metrics: ``ownership_loss``, that
    error meaned over the positions with a target (0 if none has one), and
    ``ownership_targets``, the fraction that has one."""
    batch = predicted.shape[0]
    if target is None or has_target is None:
        target = np.zeros(tuple(predicted.shape), dtype=np.float32)
        has_target = np.zeros(batch, dtype=bool)
    device = predicted.device
    mask = torch.from_numpy(np.asarray(has_target, dtype=np.float32)).to(device)  # (B,)
    error = (predicted - torch.from_numpy(target).to(device)).square().mean(dim=(1, 2))
    term = (error * mask).sum() / batch
    with torch.no_grad():
        fit = (error * mask).sum() / mask.sum().clamp(min=1.0)
    return term, {"ownership_loss": fit.item(), "ownership_targets": mask.mean().item()}
