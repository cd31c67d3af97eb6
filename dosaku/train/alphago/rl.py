"""``dosaku alphago rl``: the RL policy network, improved by policy-gradient self-play.

Silver et al. 2016, Methods "Reinforcement learning of policy networks": the RL net p_ρ starts
as the SL net (ρ = σ). Each iteration plays a minibatch of n games between the current net
and an opponent drawn uniformly at random from a pool of earlier snapshots (a snapshot joins
every ``pool_every`` iterations; the pool starts with the SL net), which keeps the learner from
overfitting to its own latest self. Every move is sampled from the net's distribution. At the
end of game i the outcome z_t^i = ±1 from the mover's view gives the REINFORCE update

    Δρ = α/n · Σ_i Σ_t ∇_ρ log p_ρ(a_t^i | s_t^i) · (z_t^i − b(s_t^i))

over the learner's own moves (the opponent's are not its actions). Here log p is taken over
the moves the game could sample (the candidates of :mod:`.selfplay`), the same distribution
the moves were drawn from. The paper's net won 80% of its games against the SL net.

Measured here (``benchmarks/alphago_rl_strength.py``): that match is won mostly by
*sharpening* — REINFORCE against its own snapshots lowers the policy's entropy (logged each
update), and a sampling opponent loses to a sharper one; the benchmark therefore also plays
the SL net at the RL net's entropy and both nets greedily.

A run is a folder (:mod:`.run_folder`): ``checkpoints/`` (model + optimizer each step),
``pool/stepNNNNNNNN.safetensors`` (the opponents), ``model.safetensors`` (the newest),
``metrics.jsonl``, ``tb/``; killed at any point, the same command continues.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from dosaku.nets import GoNet, load_model, save_model
from dosaku.rules.game import GameState
from dosaku.rules.types import BLACK

from ..arithmetic import forward_arithmetic
from ..choices import check_train_precision
from .config import RLConfig, to_json
from .run_folder import RunFolder, copy_atomic, load_optimizer, tmp_path
from .selfplay import (Choice, PolicyPlayer, int8_sampler, match_win_rate, outcomes,
                       play_games, sampled_positions, spread)


@dataclass
class Trajectory:
    """The learner's moves in one game: what it saw, could play and played."""

    planes: list[np.ndarray] = field(default_factory=list)
    masks: list[np.ndarray] = field(default_factory=list)
    moves: list[int] = field(default_factory=list)
    outcome: float = 0.0
    """z from the learner's view: +1 won, -1 lost."""


def policy_gradient_loss(model: GoNet, planes: torch.Tensor, masks: torch.Tensor,
                         moves: torch.Tensor, advantages: torch.Tensor,
                         games: int, precision: str = "fp32", entropy_bonus: float = 0.0
                         ) -> tuple[torch.Tensor, float]:
    """−1/n Σ [log p(a|s) · (z − b) + β H(p(·|s))] over a chunk of positions (its gradient is
    the REINFORCE ascent direction, with β = ``entropy_bonus`` the entropy-regularised one,
    negated for a minimiser), and the summed entropy H (nats) of the chunk's policies;
    ``masks`` (B, n*n+1) restricts the softmax to the candidates the move was sampled from.
    ``precision`` ``bf16`` runs the net's forward (and so its backward) under bf16 autocast,
    the weights and the softmax staying fp32."""
    with forward_arithmetic(precision):
        logits = model(planes.float()).policy  # (B, n*n+1)
    logits = logits.float().masked_fill(~masks, float("-inf"))
    log_probs = torch.log_softmax(logits, dim=1)
    with torch.set_grad_enabled(entropy_bonus > 0 and torch.is_grad_enabled()):
        entropy = -(log_probs.exp() * log_probs.masked_fill(~masks, 0.0)).sum()
    log_p = log_probs.gather(1, moves[:, None]).squeeze(1)  # (B,)
    loss = -(log_p * advantages).sum() / games
    if entropy_bonus > 0:
        loss = loss - entropy_bonus * entropy / games
    return loss, float(entropy)


def reinforce_step(model: GoNet, optimizer: torch.optim.Optimizer,
                   trajectories: list[Trajectory], baseline: str, chunk: int,
                   precision: str = "fp32", entropy_bonus: float = 0.0) -> dict:
    """One update from a minibatch of games; returns the mean outcome, the loss, the learner's
    mean policy entropy over its candidates (before the update: REINFORCE on self-play tends
    to collapse it; ``entropy_bonus`` β > 0 pushes back, see :class:`RLConfig`) and the
    update's relative size."""
    if baseline not in ("none", "mean"):
        raise ValueError(f"baseline must be 'none' or 'mean', got {baseline!r}")
    check_train_precision(precision, "update_precision")
    z = np.array([t.outcome for t in trajectories], dtype=np.float32)
    b = float(z.mean()) if baseline == "mean" else 0.0
    planes = np.concatenate([np.stack(t.planes) for t in trajectories if t.moves])
    masks = np.concatenate([np.stack(t.masks) for t in trajectories if t.moves])
    moves = np.concatenate([np.array(t.moves) for t in trajectories if t.moves])
    advantages = np.concatenate([np.full(len(t.moves), t.outcome - b, dtype=np.float32)
                                 for t in trajectories if t.moves])
    before = [p.detach().clone() for p in model.parameters()]
    model.train()
    optimizer.zero_grad(set_to_none=True)
    total = entropy = 0.0
    for start in range(0, len(moves), chunk):
        part = slice(start, start + chunk)
        loss, chunk_entropy = policy_gradient_loss(
            model, torch.from_numpy(planes[part]), torch.from_numpy(masks[part]),
            torch.from_numpy(moves[part]), torch.from_numpy(advantages[part]),
            len(trajectories), precision, entropy_bonus)
        loss.backward()
        total += loss.item()
        entropy += chunk_entropy
    optimizer.step()
    model.eval()
    return {"loss": total, "win_rate": float((z > 0).mean()), "positions": len(moves),
            "entropy": entropy / max(len(moves), 1),
            "update": relative_change(before, list(model.parameters()))}


def relative_change(before: list[torch.Tensor], after: list[torch.Tensor]) -> float:
    """‖Δρ‖ / ‖ρ‖ of one update: the size of a step, logged so that a learning rate that moves
    the net too far per update (and unlearns the SL net in a few updates) shows at once."""
    with torch.no_grad():
        delta = sum(float((a - b).pow(2).sum()) for a, b in zip(after, before))
        norm = sum(float(b.pow(2).sum()) for b in before)
    return (delta / max(norm, 1e-30)) ** 0.5


def self_play(learner: PolicyPlayer, opponent: PolicyPlayer, cfg: RLConfig, size: int,
              rng: np.random.Generator, bar: tqdm | None = None) -> list[Trajectory]:
    """``cfg.games_per_step`` games, the learner Black in the even ones; its trajectories."""
    games = cfg.games_per_step
    states = [GameState(size, cfg.komi) for _ in range(games)]
    learner_color = [BLACK if g % 2 == 0 else -BLACK for g in range(games)]
    paths = [Trajectory() for _ in range(games)]

    def mover(g: int, state: GameState) -> PolicyPlayer:
        return learner if state.to_play == learner_color[g] else opponent

    def record(games_: list[int], player: PolicyPlayer | None, choice: Choice) -> None:
        if player is not learner:
            return
        for i, g in enumerate(games_):
            paths[g].planes.append(choice.planes[i])
            paths[g].masks.append(choice.masks[i].copy())
            paths[g].moves.append(int(choice.moves[i]))

    progress = (lambda k: bar.set_postfix(moves=max(s.move_number for s in states))
                ) if bar is not None else None
    play_games(states, mover, rng, cfg.max_moves, cfg.min_pass_move, on_choice=record,
               progress=progress)
    for path, color, result in zip(paths, learner_color,
                                   outcomes(states, cfg.cleanup_playouts, rng)):
        path.outcome = float(result * color)
    return paths


def build_optimizer(cfg: RLConfig, model: GoNet) -> torch.optim.Optimizer:
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=cfg.learning_rate)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=cfg.learning_rate)
    raise ValueError(f"optimizer must be 'sgd' or 'adam', got {cfg.optimizer!r}")


class SamplingPlayers:
    """The learner and its opponents as they sample games, in ``cfg.selfplay_precision``.

    In int8 the fp32 nets stay the ones trained and evaluated; only the sampling runs on an
    int8 copy. The learner changes every update, so each step quantizes it afresh, calibrated
    on positions of the previous step's games (on a process's first step, on positions of its
    own sampled games); a pool snapshot is quantized once, when first drawn. Sampling from the
    int8 copy and differentiating the fp32 net is off-policy by the copy's KL from fp32
    (0.005 for the 6 x 64 SL net), far below the noise of a minibatch of games.
    """

    def __init__(self, cfg: RLConfig, size: int):
        if cfg.selfplay_precision not in ("fp32", "int8"):
            raise ValueError(f"selfplay_precision must be 'fp32' or 'int8', got "
                             f"{cfg.selfplay_precision!r}")
        self.cfg, self.size = cfg, size
        self.planes: np.ndarray | None = None
        self.opponents: dict[Path, PolicyPlayer] = {}

    @property
    def int8(self) -> bool:
        return self.cfg.selfplay_precision == "int8"

    def learner(self, model: GoNet, rng: np.random.Generator) -> PolicyPlayer:
        player = PolicyPlayer(model, self.cfg.temperature, name="learner")
        if not self.int8:
            return player
        if self.planes is None:
            self.planes = sampled_positions(player, self.size, self.cfg.komi, rng)
        return int8_sampler(player, self.planes)

    def opponent(self, path: Path) -> PolicyPlayer:
        """The snapshot at ``path`` (call :meth:`learner` first: int8 needs positions)."""
        if path not in self.opponents:
            player = PolicyPlayer(load_model(path), self.cfg.temperature, name=path.stem)
            self.opponents[path] = int8_sampler(player, self.planes) if self.int8 else player
        return self.opponents[path]

    def observe(self, paths: list[Trajectory]) -> None:
        """Keep positions of this step's games to calibrate the next step's learner."""
        if self.int8:
            self.planes = spread([p for t in paths for p in t.planes], 256)


class OpponentPool:
    """Snapshots of the learner in ``RUN/pool/``; the first is the SL net itself."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, step: int) -> Path:
        return self.root / f"step{step:08d}.safetensors"

    def add(self, model: GoNet, step: int, provenance: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.path(step)
        save_model(model, tmp_path(path), provenance)
        tmp_path(path).replace(path)

    def snapshots(self) -> list[Path]:
        return sorted(self.root.glob("step*.safetensors"))

    def draw(self, rng: np.random.Generator) -> Path:
        found = self.snapshots()
        return found[int(rng.integers(len(found)))]


def checkpoint(cfg: RLConfig, run: RunFolder, model: GoNet, optimizer: torch.optim.Optimizer,
               step: int, extra: dict) -> None:
    """Checkpoint ``step`` (optimizer, then model; atomic) with this stage's provenance."""
    provenance = {"stage": "alphago-rl", "step": step, "games": step * cfg.games_per_step,
                  "config": json.loads(to_json(cfg)), **extra}
    run.save_checkpoint(model, optimizer, step, cfg.keep_checkpoints, provenance)


def evaluate(model: GoNet, sl: GoNet, cfg: RLConfig, seed: int) -> dict:
    """Win rate of the net against the SL net over ``eval_games`` sampled games."""
    rng = np.random.default_rng(seed)
    with tqdm(total=cfg.eval_games * cfg.max_moves, desc="rl vs sl", unit="move",
              leave=False) as bar:
        wins, games = match_win_rate(PolicyPlayer(model, cfg.temperature),
                                     PolicyPlayer(sl, cfg.temperature), cfg.eval_games,
                                     model.config.board_size, cfg.komi, cfg.max_moves,
                                     cfg.min_pass_move, cfg.cleanup_playouts, rng,
                                     progress=bar.update)
    return {"vs_sl_wins": wins, "vs_sl_games": games, "vs_sl_win_rate": wins / games}


def run_rl(cfg: RLConfig, folder: str | Path) -> dict:
    """Train (or resume) up to ``cfg.steps`` updates in ``folder``; returns the last entry."""
    from torch.utils.tensorboard import SummaryWriter

    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    run = RunFolder(folder)
    run.prepare(cfg)
    pool = OpponentPool(run.root / "pool")
    sl = load_model(cfg.sl_model)
    model = load_model(cfg.sl_model)  # ρ = σ
    optimizer = build_optimizer(cfg, model)
    step = run.latest_step()
    if step > 0:
        model.load_state_dict(load_model(run.model_path(step)).state_dict())
        load_optimizer(optimizer, run.optimizer_path(step))
    if not pool.snapshots():
        pool.root.mkdir(parents=True, exist_ok=True)
        copy_atomic(Path(cfg.sl_model), pool.path(0))
    entries = run.entries()
    if step >= cfg.steps and entries:
        return entries[-1]
    writer = SummaryWriter(str(run.root / "tb"))
    size = model.config.board_size
    players = SamplingPlayers(cfg, size)
    last: dict = {}
    try:
        with tqdm(total=cfg.steps, initial=step, desc="rl", unit="step") as bar:
            while step < cfg.steps:
                rng = np.random.default_rng([cfg.seed, step])  # the same games on resume
                opponent_path = pool.draw(rng)
                started = time.time()
                learner = players.learner(model, np.random.default_rng([cfg.seed, step, 1]))
                opponent = players.opponent(opponent_path)
                paths = self_play(learner, opponent, cfg, size, rng, bar)
                played = time.time() - started
                players.observe(paths)
                metrics = reinforce_step(model, optimizer, paths, cfg.baseline,
                                         cfg.forward_batch, cfg.update_precision,
                                         cfg.entropy_bonus)
                step += 1
                for key, value in metrics.items():
                    writer.add_scalar(f"train/{key}", value, step)
                writer.add_scalar("train/self_play_seconds", played, step)
                last = {"phase": "train", "step": step, "opponent": opponent_path.name,
                        "self_play_s": round(played, 1), **metrics}
                bar.set_postfix(win=f"{metrics['win_rate']:.2f}", opp=opponent_path.stem)
                bar.update(1)
                if step % cfg.pool_every == 0:
                    pool.add(model, step, {"stage": "alphago-rl", "step": step})
                if (cfg.eval_every and step % cfg.eval_every == 0) or step == cfg.steps:
                    if cfg.eval_games > 0:
                        result = evaluate(model, sl, cfg, seed=cfg.seed + 10**6 + step)
                        last.update(result, phase="evaluation")
                        writer.add_scalar("eval/win_rate_vs_sl", result["vs_sl_win_rate"],
                                          step)
                        tqdm.write(f"step {step}: {result['vs_sl_wins']}/"
                                   f"{result['vs_sl_games']} won against the SL net")
                run.log(last)
                if step % cfg.checkpoint_every == 0 or step == cfg.steps:
                    extra = {k: last[k] for k in ("vs_sl_win_rate",) if k in last}
                    checkpoint(cfg, run, model, optimizer, step, extra)
    finally:
        writer.close()
    return last
