"""``dosaku alphago value``: the value network, regressed on self-play outcomes.

Silver et al. 2016, Methods "Reinforcement learning of value networks": v_θ(s) ≈ the outcome z
of a game played on from s, trained by SGD on the MSE (v_θ(s) − z)². Successive positions of
one game differ by a stone and share its result, so a net trained on every position of the
human games memorised the games (MSE 0.19 train / 0.37 test in the paper). The paper's data
instead take *one* position per game from 30M self-play games, each generated as

1. U ~ uniform{1, ..., 450};
2. moves 1..U−1 sampled from the SL policy (human-like, varied positions);
3. move U uniformly random among the legal moves (positions off the policies' path);
4. moves U+1.. sampled from the RL policy to the end (both sides), its result z;
5. the position s_{U+1} (after move U) kept with z from its mover's view,

which gave 0.226 train / 0.234 test. ``source = "human"`` trains the same net on every position
of expert games instead (the control). Games are played in shards of ``shard_games`` at once
(:mod:`.selfplay`, capped games scored by the cleanup playouts), each shard written as
``RUN/data/shardNNNNN.npz``: the unit of resume for the data. Training is then an ordinary
resumable run (:mod:`.run_folder`) over the stored positions under random symmetries.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from dosaku.features import encoder_named
from dosaku.features.symmetry import transform_planes
from dosaku.io.records import SgfError
from dosaku.io.sgf import SkipStats, parse_game
from dosaku.nets import GoNet, create_model, load_model
from dosaku.rules.game import GameState

from ..arithmetic import forward_arithmetic, place_model, place_planes, training_device
from .config import ValueConfig, to_json
from .positions import encode_positions, held_out_games, is_held_out, raw_games
from .run_folder import RunFolder, load_optimizer
from .selfplay import PolicyPlayer, outcomes, play_games, with_int8_sampler
from .sl import build_optimizer, learning_rate


@dataclass
class ValuePositions:
    """Positions with their outcomes, bit-packed (as :class:`.positions.EncodedPositions`)."""

    packed: np.ndarray
    """uint8 (P, ceil(C*n*n / 8)): ``np.packbits`` of each position's planes."""
    values: np.ndarray
    """float32 (P,): the final outcome for the side to move (±1)."""
    games: np.ndarray
    """int64 (P,): the game each position comes from."""
    planes: int
    size: int

    def __len__(self) -> int:
        return len(self.values)

    def planes_of(self, index: np.ndarray) -> np.ndarray:
        """uint8 (B, C, n, n) planes of positions ``index``."""
        bits = np.unpackbits(self.packed[index], axis=1,
                             count=self.planes * self.size * self.size)
        return bits.reshape(len(index), self.planes, self.size, self.size)

    def subset(self, keep: np.ndarray) -> ValuePositions:
        return ValuePositions(self.packed[keep], self.values[keep], self.games[keep],
                              self.planes, self.size)

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as f:
            # compressed: the bit planes of a position are mostly zeros (4x smaller)
            np.savez_compressed(f, packed=self.packed, values=self.values, games=self.games,
                                shape=np.array([self.planes, self.size]))
        os.replace(tmp, path)

    @classmethod
    def load(cls, paths: list[Path]) -> ValuePositions:
        parts = [np.load(p) for p in paths]
        planes, size = (int(x) for x in parts[0]["shape"])
        return cls(np.concatenate([p["packed"] for p in parts]),
                   np.concatenate([p["values"] for p in parts]),
                   np.concatenate([p["games"] for p in parts]), planes, size)


# -- the data --------------------------------------------------------------------------------

def value_mover(sl: PolicyPlayer, rl: PolicyPlayer | None, u: np.ndarray):
    """Who plays the next move of game ``g`` (:data:`.selfplay.Mover`): ``sl`` before move
    ``u[g]``, a uniformly random candidate at it, ``rl`` after it (random too if None)."""
    def mover(g: int, state: GameState) -> PolicyPlayer | None:
        number = state.move_number + 1  # the move about to be played
        if number < u[g]:
            return sl
        return None if number == u[g] else rl
    return mover


def held_out(games: np.ndarray, per_mille: int) -> np.ndarray:
    """bool (P,): the self-play games (by number) kept out of training for the test MSE."""
    return np.array([zlib.crc32(f"selfplay:{g}".encode()) % 1000 < per_mille for g in games],
                    dtype=bool)


def selfplay_positions(sl: PolicyPlayer, rl: PolicyPlayer, cfg: ValueConfig,
                       first_game: int, rng: np.random.Generator,
                       bar: tqdm | None = None) -> tuple[ValuePositions, int]:
    """One shard of ``cfg.shard_games`` games generated as in the module docstring; the
    positions and the number of games dropped (ended by passes before move U)."""
    size = sl.model.config.board_size
    games = cfg.shard_games
    max_u = min(cfg.max_u, cfg.max_moves - 1)
    u = rng.integers(1, max_u + 1, size=games)  # move U of each game
    states = [GameState(size, cfg.komi) for _ in range(games)]
    encoder = encoder_named(cfg.encoder)
    kept: dict[int, tuple[np.ndarray, int]] = {}

    def after_move(g: int, state: GameState) -> None:
        if state.move_number == u[g]:  # s_{U+1}: the position after the random move
            kept[g] = (np.packbits(encoder.encode(state).reshape(-1)), state.to_play)

    play_games(states, value_mover(sl, rl, u), rng, cfg.max_moves, cfg.min_pass_move,
               after_move=after_move, progress=bar.update if bar is not None else None)
    results = outcomes(states, cfg.cleanup_playouts, rng)
    found = sorted(kept)
    packed = np.stack([kept[g][0] for g in found]) if found else np.zeros((0, 1), np.uint8)
    values = np.array([results[g] * kept[g][1] for g in found], dtype=np.float32)
    ids = np.array([first_game + g for g in found], dtype=np.int64)
    return ValuePositions(packed, values, ids, encoder.planes, size), games - len(found)


def sampling_player(cfg: ValueConfig, path: str, name: str, temperature: float
                    ) -> PolicyPlayer:
    """The policy net at ``path`` as a sampling player in ``cfg.selfplay_precision``."""
    player = PolicyPlayer(load_model(path), temperature, name=name)
    if cfg.selfplay_precision == "int8":
        rng = np.random.default_rng([cfg.seed, zlib.crc32(name.encode())])
        return with_int8_sampler(player, player.model.config.board_size, cfg.komi, rng)
    if cfg.selfplay_precision != "fp32":
        raise ValueError(f"selfplay_precision must be 'fp32' or 'int8', got "
                         f"{cfg.selfplay_precision!r}")
    return player


def value_players(cfg: ValueConfig) -> tuple[PolicyPlayer, PolicyPlayer]:
    """(SL, RL) sampling players: the SL net at ``temperature``, the RL net at
    ``rl_temperature``."""
    return (sampling_player(cfg, cfg.sl_model, "sl", cfg.temperature),
            sampling_player(cfg, cfg.rl_model, "rl", cfg.rl_temperature))


def play_shards(cfg: ValueConfig, data: Path, shards: list[int], bar: tqdm | None = None
                ) -> None:
    """Play and write the given shards. Each shard is seeded by its number alone, so it is
    the same whichever process plays it and whenever (the unit of resume)."""
    sl, rl = value_players(cfg)
    for i in shards:
        rng = np.random.default_rng([cfg.seed, i])
        with tqdm(total=None, desc=f"shard {i}", unit="move", leave=False,
                  disable=bar is None) as moves:
            shard, _ = selfplay_positions(sl, rl, cfg, i * cfg.shard_games, rng, moves)
        shard.save(data / f"shard{i:05d}.npz")
        if bar is not None:
            bar.update(cfg.shard_games)


def shard_process(cfg: ValueConfig, data: Path, shards: list[int]) -> None:
    """One self-play process of :func:`generate_selfplay`: one torch thread (a core each)."""
    torch.set_num_threads(1)
    play_shards(cfg, data, shards)


def generate_selfplay(cfg: ValueConfig, data: Path) -> dict:
    """Play the shards of self-play games that are not yet on disk, in ``cfg.workers``
    processes (shards dealt out round-robin); a summary."""
    data.mkdir(parents=True, exist_ok=True)
    shards = -(-cfg.selfplay_games // cfg.shard_games)
    missing = [i for i in range(shards) if not (data / f"shard{i:05d}.npz").exists()]
    if not missing:
        return {"shards": shards}
    workers = max(1, min(cfg.workers, len(missing)))
    with tqdm(total=len(missing) * cfg.shard_games, desc="value games", unit="game") as bar:
        if workers == 1:
            play_shards(cfg, data, missing, bar)
            return {"shards": shards}
        context = torch.multiprocessing.get_context("spawn")
        procs = [context.Process(target=shard_process, args=(cfg, data, missing[w::workers]),
                                 daemon=True)
                 for w in range(workers)]
        for proc in procs:
            proc.start()
        done = 0
        while any(proc.is_alive() for proc in procs):
            time.sleep(1.0)
            now = sum((data / f"shard{i:05d}.npz").exists() for i in missing)
            bar.update((now - done) * cfg.shard_games)
            done = now
        failed = [proc.exitcode for proc in procs if proc.exitcode != 0]
        if failed:
            raise RuntimeError(f"a self-play process exited with code {failed[0]}; the "
                               f"shards it wrote are kept: run the same command to resume")
    return {"shards": shards}


def training_games(cfg: ValueConfig, limit: int, stats: SkipStats) -> list:
    """The first ``limit`` expert games of the training split (not held out)."""
    out = []
    for path in cfg.games:
        for index, line, chunk in raw_games(Path(path)):
            if len(out) >= limit:
                return out
            if is_held_out(path, index, cfg.holdout_per_mille):
                continue
            try:
                out.append(parse_game(chunk, str(path), index, line))
                stats.read += 1
            except SgfError as e:
                stats.add(e)
    return out


def human_positions(records: list, encoder: str, first_game: int) -> ValuePositions:
    """Every position of ``records`` with a known result, bit-packed; game ids from
    ``first_game`` on in record order."""
    parts = [encode_positions([r], encoder, SkipStats()) for r in records]
    parts = [p for p in parts if len(p)]
    packed = np.concatenate([p.packed for p in parts])
    values = np.concatenate([p.values for p in parts])
    games = np.concatenate([np.full(len(p), first_game + i) for i, p in enumerate(parts)])
    keep = ~np.isnan(values)
    return ValuePositions(packed[keep], values[keep], games[keep].astype(np.int64),
                          parts[0].planes, parts[0].size)


def load_data(cfg: ValueConfig, data: Path) -> tuple[ValuePositions, ValuePositions]:
    """(train, test) positions of the configured source, generating what is missing."""
    if cfg.source == "selfplay":
        shards = generate_selfplay(cfg, data)["shards"]
        every = ValuePositions.load(sorted(data.glob("shard*.npz")))
        played = shards * cfg.shard_games
        print(f"value data: {len(every)} positions from {played} self-play games "
              f"({played - len(every)} dropped: ended by passes before move U)",
              file=sys.stderr)
        test = held_out(every.games, cfg.test_per_mille)
        return every.subset(~test), every.subset(test)
    if cfg.source == "human":
        data.mkdir(parents=True, exist_ok=True)
        train_file, test_file = data / "human-train.npz", data / "human-test.npz"
        if not train_file.exists():
            human_positions(training_games(cfg, cfg.human_games, SkipStats()), cfg.encoder,
                            0).save(train_file)
        if not test_file.exists():
            human_positions(held_out_games(cfg, cfg.test_games, SkipStats()), cfg.encoder,
                            10**9).save(test_file)
        return ValuePositions.load([train_file]), ValuePositions.load([test_file])
    raise ValueError(f"source must be 'selfplay' or 'human', got {cfg.source!r}")


# -- the net ---------------------------------------------------------------------------------

def build_model(cfg: ValueConfig, size: int) -> GoNet:
    return create_model(cfg.model, blocks=cfg.blocks, channels=cfg.channels,
                        encoder=cfg.encoder, head="value", board_size=size)


def copy_trunk(model: GoNet, policy: GoNet) -> None:
    """Start ``model``'s trunk from ``policy``'s (``init_trunk``): every backbone weight of
    the same name is copied; an input layer with more planes than the policy net's (alphago49
    on alphago48) gets the policy's weights for the shared planes and 0 for the rest, so the
    copied trunk computes the same features at the start. Raises ValueError naming the first
    layer whose shape does not fit."""
    target = model.backbone.state_dict()
    source = policy.backbone.state_dict()
    for name, weight in target.items():
        given = source.get(name)
        if given is None:
            raise ValueError(f"init_trunk: the policy net has no layer {name}")
        if given.shape == weight.shape:
            target[name] = given.clone()
        elif (given.dim() == 4 and given.shape[0] == weight.shape[0]
              and given.shape[2:] == weight.shape[2:] and given.shape[1] < weight.shape[1]):
            widened = torch.zeros_like(weight)
            widened[:, :given.shape[1]] = given
            target[name] = widened
        else:
            raise ValueError(f"init_trunk: {name} is {tuple(given.shape)} in the policy net, "
                             f"{tuple(weight.shape)} in the value net")
    model.backbone.load_state_dict(target)


def value_batch(data: ValuePositions, index: np.ndarray, rng: np.random.Generator | None
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """(planes float (B, C, n, n), z (B,)); each position under a random symmetry if
    ``rng`` is given (the game's result does not change under a symmetry)."""
    planes = data.planes_of(index)
    if rng is not None:
        planes = np.stack([transform_planes(p[None], int(k))[0]
                           for p, k in zip(planes, rng.integers(8, size=len(planes)))])
    return (torch.from_numpy(np.ascontiguousarray(planes)).float(),
            torch.from_numpy(data.values[index]))


def train_step(model: GoNet, optimizer: torch.optim.Optimizer, planes: torch.Tensor,
               z: torch.Tensor, precision: str = "fp32") -> float:
    """One step of MSE (v(s) − z)², the net's passes in ``precision``
    (:mod:`dosaku.train.arithmetic`); returns the loss."""
    model.train()
    device = next(model.parameters()).device
    planes, z = place_planes(planes, device), z.to(device, non_blocking=True)
    with forward_arithmetic(precision, device.type):
        value = model(planes).value  # (B,)
    loss = torch.mean((value.float() - z) ** 2)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()


def value_mse(model: GoNet, data: ValuePositions, limit: int = 10000,
              batch_size: int = 256) -> float:
    """Mean (v(s) − z)² over the first ``limit`` positions of ``data`` (no symmetry)."""
    model.eval()
    device = next(model.parameters()).device
    count = min(len(data), limit)
    total = 0.0
    with torch.inference_mode():
        for start in range(0, count, batch_size):
            index = np.arange(start, min(start + batch_size, count))
            planes, z = value_batch(data, index, None)
            value = model(place_planes(planes, device)).value.float().cpu()
            total += float(((value - z) ** 2).sum())
    return total / max(count, 1)


def checkpoint(cfg: ValueConfig, run: RunFolder, model: GoNet,
               optimizer: torch.optim.Optimizer, step: int, extra: dict) -> None:
    """Checkpoint ``step`` (optimizer, then model; atomic) with this stage's provenance."""
    provenance = {"stage": "alphago-value", "step": step, "config": json.loads(to_json(cfg)),
                  **extra}
    run.save_checkpoint(model, optimizer, step, cfg.keep_checkpoints, provenance)


def check_named_nets(cfg: ValueConfig) -> None:
    """Load the nets the config names (the self-play players, ``init_trunk``) and fit the
    trunk to a value net, so that a wrong path or shape is a ValueError before an hour of
    self-play, not after it."""
    if cfg.source == "selfplay":
        for path in (cfg.sl_model, cfg.rl_model):
            load_model(path)
    if cfg.init_trunk:
        trunk = load_model(cfg.init_trunk)
        copy_trunk(build_model(cfg, trunk.config.board_size), trunk)


def run_value(cfg: ValueConfig, folder: str | Path) -> dict:
    """Generate the data (or finish generating it), then train (or resume) up to
    ``cfg.steps``; returns the last train/test MSE entry."""
    from torch.utils.tensorboard import SummaryWriter

    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    started = time.time()
    device = training_device(cfg.device)
    check_named_nets(cfg)
    run = RunFolder(folder)
    run.prepare(cfg)
    train, test = load_data(cfg, run.root / "data")
    if len(train) == 0:
        raise ValueError(f"{folder}: no training positions")
    model = place_model(build_model(cfg, train.size), device)
    optimizer = build_optimizer(cfg, model)
    step = run.latest_step()
    if step > 0:
        model.load_state_dict(load_model(run.model_path(step)).state_dict())
        load_optimizer(optimizer, run.optimizer_path(step))
    elif cfg.init_trunk:
        copy_trunk(model, load_model(cfg.init_trunk))
    finals = [e for e in run.entries() if e.get("phase") == "validation"]
    if step >= cfg.steps and finals:
        return finals[-1]
    tqdm.write(f"{cfg.source}: {len(train)} training positions "
               f"({len(np.unique(train.games))} games), {len(test)} test positions")
    writer = SummaryWriter(str(run.root / "tb"))
    rng = np.random.default_rng([cfg.seed, step])
    last: dict = {}
    smooth = finals[-1]["train_loss"] if finals else 1.0
    deadline = started + 60 * cfg.max_minutes if cfg.max_minutes > 0 else math.inf
    try:
        with tqdm(total=cfg.steps, initial=step, desc="value", unit="step") as bar:
            while step < cfg.steps:
                lr = learning_rate(cfg, step)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                index = rng.integers(len(train), size=cfg.batch_size)
                loss = train_step(model, optimizer, *value_batch(train, index, rng),
                                  cfg.train_precision)
                step += 1
                smooth = 0.98 * smooth + 0.02 * loss
                writer.add_scalar("train/loss", loss, step)
                bar.set_postfix(loss=f"{smooth:.3f}")
                bar.update(1)
                stopping = time.time() >= deadline
                if step % cfg.validate_every == 0 or step == cfg.steps or stopping:
                    last = {"phase": "validation", "step": step, "source": cfg.source,
                            "train_positions": len(train), "test_positions": len(test),
                            "train_loss": round(smooth, 4),
                            "train_mse": round(value_mse(model, train), 4),
                            "test_mse": round(value_mse(model, test), 4)}
                    run.log(last)
                    writer.add_scalar("validation/train_mse", last["train_mse"], step)
                    writer.add_scalar("validation/test_mse", last["test_mse"], step)
                    tqdm.write(f"step {step}: MSE train {last['train_mse']:.3f}, "
                               f"test {last['test_mse']:.3f}")
                if step % cfg.checkpoint_every == 0 or step == cfg.steps or stopping:
                    extra = ({k: last[k] for k in ("train_mse", "test_mse")}
                             if last.get("step") == step else {})
                    checkpoint(cfg, run, model, optimizer, step, extra)
                if stopping:
                    tqdm.write(f"max_minutes ({cfg.max_minutes}) reached at step {step}: "
                               f"the same command resumes")
                    break
    finally:
        writer.close()
    return last
