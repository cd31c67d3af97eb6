"""Training the dual network on self-play data (AlphaGo Zero, "Optimization").

    l = (z - v)² - πᵀ log p + c‖θ‖²

value MSE against the game outcome z, cross-entropy against the search's visit distribution
π, L2 through SGD's weight decay; SGD with momentum 0.9. The optimizer's momentum buffers are
saved beside the model as safetensors (no pickle), so a resumed run continues the same
trajectory.
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

from .config import ZeroConfig


class Trainer:
    """SGD on a GoNet with a dual head."""

    def __init__(self, model: GoNet, cfg: ZeroConfig):
        self.model = model
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

    def step(self, planes: np.ndarray, policy: np.ndarray, value: np.ndarray) -> dict:
        """One optimizer step; returns the losses and the policy's entropy."""
        self.model.train()
        out = self.model(torch.from_numpy(planes))
        log_p = F.log_softmax(out.policy, dim=1)  # (B, n*n+1)
        target_pi = torch.from_numpy(policy)
        policy_loss = -(target_pi * log_p).sum(dim=1).mean()
        value_loss = F.mse_loss(out.value.reshape(-1), torch.from_numpy(value))
        loss = policy_loss + value_loss
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        with torch.no_grad():
            entropy = -(log_p.exp() * log_p).sum(dim=1).mean()
        return {"loss": loss.item(), "policy_loss": policy_loss.item(),
                "value_loss": value_loss.item(), "policy_entropy": entropy.item()}

    def save_optimizer(self, path: Path) -> None:
        """Momentum buffers by parameter name, written atomically."""
        names = {id(p): name for name, p in self.model.named_parameters()}
        tensors = {}
        for group in self.optimizer.param_groups:
            for p in group["params"]:
                buf = self.optimizer.state.get(p, {}).get("momentum_buffer")
                if buf is not None:
                    tensors[names[id(p)]] = buf.detach().contiguous()
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
                self.optimizer.state[params[name]]["momentum_buffer"] = buf
