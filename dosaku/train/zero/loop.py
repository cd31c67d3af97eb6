"""``dosaku zero run``: generations of self-play -> training -> evaluation, resumable.

The run folder is the whole state; nothing lives only in memory::

    RUN/config.json                      the resolved ZeroConfig (a re-run must match it)
    RUN/shards/gen0003-0001.npz          self-play games of generation 3 (atomic files)
    RUN/models/gen0003.safetensors       the net after generation 3's training
    RUN/models/gen0003.optimizer.safetensors   its momentum buffers (written first; the
                                         previous generation's go once the model is saved)
    RUN/metrics.jsonl                    one line per phase per generation
    RUN/tb/                              TensorBoard scalars

Generation g+1 is: self-play with the current net until generation g+1 has
``games_per_generation`` games in its shards; train from the replay window; write the
optimizer, then the model (the model file marks the generation done); evaluate against the
previous net (and every ``gnugo_every`` generations against GNU Go). Killed anywhere, the same
command resumes: finished games are in shards, finished generations in models/, and an
unfinished training or evaluation is simply done again.
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import queue as queue_module
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from dosaku.agents.net_evaluator import NetEvaluator
from dosaku.nets import GoNet, create_model, load_model, save_model

from ..arithmetic import training_device
from .buffer import ReplayWindow, read_shard, shard_paths, shard_summaries, write_shard
from .config import RUNTIME_FIELDS, ZeroConfig, config_from_json
from .evaluate import new_vs_old, versus_gnugo
from .selfplay import SelfPlayRecord, play_games, value_calibration
from .trainer import Trainer


class RunFolder:
    """Paths and bookkeeping of one run folder."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.shards = self.root / "shards"
        self.models = self.root / "models"
        self.metrics = self.root / "metrics.jsonl"

    def model_path(self, generation: int) -> Path:
        return self.models / f"gen{generation:04d}.safetensors"

    def optimizer_path(self, generation: int) -> Path:
        return self.models / f"gen{generation:04d}.optimizer.safetensors"

    def latest_generation(self) -> int:
        done = [int(p.name[3:7]) for p in self.models.glob("gen????.safetensors")]
        return max(done, default=-1)

    def games_in(self, generation: int) -> int:
        total = 0
        for path in self.shards_of(generation):
            with np.load(path) as shard:
                total += int(shard["games"])
        return total

    @property
    def best_generation(self) -> int:
        """The net self-play uses: the newest accepted one (all are, without gating)."""
        path = self.root / "best.json"
        best = json.loads(path.read_text())["generation"] if path.exists() else 0
        return min(best, self.latest_generation())  # never a model that is not on disk

    @property
    def best_path(self) -> Path:
        return self.model_path(self.best_generation)

    def set_best(self, generation: int) -> None:
        tmp = self.root / "best.json.tmp"
        tmp.write_text(json.dumps({"generation": generation}))
        os.replace(tmp, self.root / "best.json")

    def shards_of(self, generation: int) -> list[Path]:
        return sorted(self.shards.glob(f"gen{generation:04d}-*.npz"))

    def logged(self, generation: int, phase: str) -> bool:
        return any(e.get("phase") == phase and e.get("generation") == generation
                   for e in self.entries())

    def evaluated(self, generation: int) -> bool:
        """Whether ``generation``'s evaluation finished (it may have rejected the net)."""
        return self.best_generation >= generation or any(
            e.get("phase") == "eval" and e.get("generation") == generation
            for e in self.entries())

    def log(self, entry: dict) -> None:
        entry = {**entry, "time": round(time.time(), 1)}  # wall clock, for curves vs hours
        with open(self.metrics, "a") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def entries(self) -> list[dict]:
        if not self.metrics.exists():
            return []
        return [json.loads(line) for line in self.metrics.read_text().splitlines() if line]


def prepare(cfg: ZeroConfig, run: RunFolder) -> None:
    """Create the folder, or check that it belongs to the same config."""
    run.root.mkdir(parents=True, exist_ok=True)
    saved = run.root / "config.json"
    if saved.exists():
        if not config_from_json(saved.read_text()).same_run(cfg):
            raise ValueError(f"{saved} holds a different config; use a new run folder or the "
                             f"same config to resume (only {', '.join(sorted(RUNTIME_FIELDS))} "
                             f"may change)")
        tmp = saved.with_name("config.json.tmp")
        tmp.write_text(cfg.to_json())
        os.replace(tmp, saved)
    else:
        tmp = saved.with_name("config.json.tmp")
        tmp.write_text(cfg.to_json())
        os.replace(tmp, saved)
    run.shards.mkdir(exist_ok=True)
    run.models.mkdir(exist_ok=True)


def save_atomic(model: GoNet, path: Path, provenance: dict) -> None:
    tmp = path.with_name(path.stem + ".tmp.safetensors")
    save_model(model, tmp, provenance=provenance)
    os.replace(tmp, path)


def initial_model(cfg: ZeroConfig) -> tuple[GoNet, dict]:
    """Generation 0 and its provenance: random weights, or ``cfg.init_model``'s."""
    torch.manual_seed(cfg.seed)
    model = create_model(cfg.model, board_size=cfg.board_size, head="dual", encoder="agz17",
                         ownership=cfg.ownership_weight > 0)
    provenance = {"generation": 0, "games": 0}
    if cfg.init_model:
        load_initial_weights(model, cfg.init_model)
        provenance["init_model"] = cfg.init_model
    return model, provenance


def load_initial_weights(model: GoNet, path: str) -> None:
    """Copy the weights of the checkpoint at ``path`` into ``model``: every tensor but an
    ownership head that only ``model`` has. Raises ValueError naming what does not fit."""
    source = load_model(path)
    for field in ("board_size", "encoder"):
        mine, theirs = getattr(model.config, field), getattr(source.config, field)
        if mine != theirs:
            raise ValueError(f"init_model {path}: {field} {theirs!r}, the run's is {mine!r}")
    weights, expected = source.state_dict(), model.state_dict()
    for name, tensor in expected.items():
        if name not in weights:
            if not name.startswith("ownership_head."):
                raise ValueError(f"init_model {path}: no weights[{name!r}] (another net "
                                 f"than the run's model)")
            weights[name] = tensor  # the run's new head keeps its random start
        elif weights[name].shape != tensor.shape:
            raise ValueError(f"init_model {path}: weights[{name!r}] has shape "
                             f"{tuple(weights[name].shape)}, the run's model "
                             f"{tuple(tensor.shape)}")
    model.load_state_dict({k: weights[k] for k in expected})


def init_data_shards(cfg: ZeroConfig) -> tuple[Path, ...]:
    """``cfg.init_data``'s shard folder, as a tuple for :meth:`ReplayWindow.load` (empty if
    unset); :func:`check_init_data` has checked it when the run began."""
    if not cfg.init_data:
        return ()
    folder = Path(cfg.init_data)
    return (folder / "shards" if (folder / "shards").is_dir() else folder,)


def init_data_last(cfg: ZeroConfig) -> int | None:
    """The newest generation of ``init_data`` the window reads (None = all)."""
    return cfg.init_data_last or None


def check_init_data(cfg: ZeroConfig, model: GoNet) -> tuple[Path, ...]:
    """:func:`init_data_shards`, or ValueError if ``init_steps`` or ``init_data_last`` has no
    data to apply to, or the folder holds no shards (up to ``init_data_last``) or planes
    ``model`` could not read."""
    if cfg.init_steps > 0 and not cfg.init_data:
        raise ValueError("init_steps needs init_data: the games to train generation 0 on")
    if cfg.init_data_last and not cfg.init_data:
        raise ValueError("init_data_last needs init_data: the run whose games it caps")
    if cfg.init_data_last < 0:
        raise ValueError(f"init_data_last {cfg.init_data_last}: a generation of init_data's "
                         f"run, or 0 for all of its games")
    older = init_data_shards(cfg)
    for folder in older:
        paths = shard_paths(folder, last=init_data_last(cfg))
        if not paths:
            raise ValueError(f"init_data {cfg.init_data}: no self-play shards there"
                             + (f" up to generation {cfg.init_data_last}"
                                if cfg.init_data_last else ""))
        planes = read_shard(paths[-1])[0]
        n = model.config.board_size
        expected = (model.config.in_planes, n, n)
        if planes.shape[1:] != expected:
            raise ValueError(f"init_data {paths[-1]}: planes of shape {planes.shape[1:]}, "
                             f"the run's net reads {expected}")
    return older


def fit(trainer: Trainer, window: ReplayWindow, steps: int, rng: np.random.Generator,
        writer, first_step: int, desc: str) -> dict:
    """``steps`` optimizer steps on batches from ``window``; the mean of each loss."""
    totals: dict[str, float] = {}
    for step in tqdm(range(steps), desc=desc, unit="step"):
        losses = trainer.step(*window.sample(trainer.cfg.batch_size, rng,
                                             trainer.cfg.value_target_q_weight))
        for key, value in losses.items():
            totals[key] = totals.get(key, 0.0) + value
            writer.add_scalar(f"train/{key}", value, first_step + step)
    return {k: v / max(steps, 1) for k, v in totals.items()}


def bootstrap(cfg: ZeroConfig, run: RunFolder, model: GoNet, older: tuple[Path, ...],
              writer) -> dict:
    """Train generation 0 for ``cfg.init_steps`` steps on the ``init_data`` window (KataGo's
    new net trained on the run's existing games before it plays); its momentum is saved as
    generation 0's, so generation 1 goes on from it. Returns provenance to record."""
    trainer = Trainer(model, cfg)
    trainer.set_generation(0)
    window = ReplayWindow.load(run.shards, cfg.window_games, *older,
                               older_last=init_data_last(cfg))
    rng = np.random.default_rng(cfg.seed * 7919)
    means = fit(trainer, window, cfg.init_steps, rng, writer, 0, "gen 0 bootstrap")
    trainer.save_optimizer(run.optimizer_path(0))
    run.log({"generation": 0, "phase": "train", "steps": cfg.init_steps,
             "window_positions": len(window), "window_games": window.games, **means})
    return {"init_data": cfg.init_data, "init_steps": cfg.init_steps,
            "window_games": window.games}


def calibrated_resign_threshold(cfg: ZeroConfig, run: RunFolder, generation: int) -> float:
    """The resignation threshold for ``generation`` (AlphaGo Zero, "Self-play": v_resign is
    chosen so that false positives stay below 5%).

    From the last 500 played-through games of earlier generations: the lowest value each
    winner saw; the threshold is just below their ``resign_false_positive`` quantile, capped
    at ``resign_threshold``. Until ``resign_min_games`` such games exist: -1, never resign
    (a fresh net's values are noise, and resigning on noise trains on noise: the first 9×9
    run had Black win 64 of 64 within five generations)."""
    if cfg.resign_false_positive <= 0:
        return cfg.resign_threshold
    minima: list[float] = []
    for entry in run.entries():
        if entry.get("phase") == "selfplay" and entry.get("generation", 0) < generation:
            minima.extend(entry.get("playthrough_winner_min", []))
    minima = minima[-500:]
    if len(minima) < cfg.resign_min_games:
        return -1.0
    quantile = float(np.quantile(minima, cfg.resign_false_positive))
    return max(-1.0, min(cfg.resign_threshold, quantile - 0.01))


def self_play_worker(cfg: ZeroConfig, run_root: str, generation: int, worker: int, count: int,
                     seed: int, threshold: float, model_path: str, queue=None) -> dict:
    """One self-play process: ``count`` games with its own evaluator; shards named
    ``genGGGG-wK-IIII.npz``. Each finished game's summary goes to ``queue`` (the parent's
    progress bar), or is collected and returned when there is no queue. A spawned worker
    whose parent has died (the run was stopped) exits at its next finished game without
    writing more: an orphan would go on using the cores, and its shards could collide with
    those of the resumed run's own workers."""
    torch.set_num_threads(cfg.threads)
    parent = os.getppid()
    run = RunFolder(Path(run_root))
    evaluator = selfplay_evaluator(cfg, run, model_path, seed)
    prefix = f"gen{generation:04d}-w{worker}-"
    index = len(list(run.shards.glob(prefix + "*.npz")))
    batch: list[SelfPlayRecord] = []
    batch_summaries: list[dict] = []
    summaries: list[dict] = []
    played = 0

    def on_game(record: SelfPlayRecord) -> None:
        nonlocal index, played
        if queue is not None and os.getppid() != parent:
            raise SystemExit(f"self-play worker {worker}: the run stopped; shards written so "
                             f"far are kept")
        batch.append(record)
        played += 1
        summary = {"moves": len(record.moves), "resigned": record.resigned,
                   "winner": record.winner, "playthrough": record.playthrough,
                   "would_resign": record.would_resign,
                   "winner_min": record.winner_min_value, "positions": len(record.value),
                   "pruned": record.pruned,
                   "net_value": [round(float(v), 4) for v in record.net_value],
                   "root_q": [round(float(v), 4) for v in record.root_q],
                   "outcome": record.value.tolist()}
        batch_summaries.append(summary)
        if len(batch) >= cfg.parallel_games or played == count:
            write_shard(run.shards / f"{prefix}{index:04d}.npz", batch, batch_summaries)
            index += 1
            batch.clear()
            batch_summaries.clear()
        if queue is not None:
            queue.put(("game", summary))
        else:
            summaries.append(summary)

    timing = play_games(evaluator, cfg, count, seed=seed, on_game=on_game,
                        resign_threshold=threshold)
    timing["evaluations"] = evaluator.positions
    timing["precision"] = f"{evaluator.backend}/{evaluator.precision}"
    if queue is not None:
        queue.put(("done", timing))
    return {"games": summaries, **timing}


def selfplay_evaluator(cfg: ZeroConfig, run: RunFolder, model_path: str,
                       seed: int) -> NetEvaluator:
    """The self-play net at ``cfg.selfplay_precision`` (issue "Fast inference": int8 runs
    the small 9×9 nets ~4× faster at self-play's batches); int8 calibrates on 256 positions of
    the newest shards, and runs in fp32 where there are none yet."""
    precision = cfg.selfplay_precision
    calibration = None
    if precision == "int8":
        if shard_paths(run.shards):
            window = ReplayWindow.load(run.shards, cfg.parallel_games)
            pick = np.random.default_rng(seed).permutation(len(window))[:256]
            calibration = window.planes[np.sort(pick)].astype(np.float32)
        else:
            precision = "fp32"
    return NetEvaluator(model_path, symmetry="random", seed=seed, threads=cfg.threads,
                        device=training_device(cfg.device),
                        backend=cfg.selfplay_backend, precision=precision,
                        calibration=calibration,
                        batch_size=cfg.parallel_games * cfg.leaves_per_game)


def self_play(cfg: ZeroConfig, run: RunFolder, generation: int, model_path: Path,
              writer) -> None:
    """Play generation ``generation``'s missing games in ``cfg.workers`` processes."""
    have = run.games_in(generation)
    missing = cfg.games_per_generation - have
    threshold = calibrated_resign_threshold(cfg, run, generation)
    earlier = earlier_games(run, generation)  # finished before a kill: logged with the rest
    if missing <= 0:
        if not run.logged(generation, "selfplay"):  # killed between the games and the log
            log_self_play(run, writer, generation, earlier, [], threshold, 0.0,
                          earlier=len(earlier), unsummarised=have - len(earlier))
        return
    workers = max(1, min(cfg.workers, missing))
    shares = [missing // workers + (k < missing % workers) for k in range(workers)]
    seeds = [cfg.seed * 100_003 + generation * 1_009 + have * 31 + k for k in range(workers)]
    bar = tqdm(total=cfg.games_per_generation, initial=have, desc=f"gen {generation} self-play",
               unit="game")
    start = time.perf_counter()
    games: list[dict] = []
    timings: list[dict] = []
    if workers == 1:
        out = self_play_worker(cfg, str(run.root), generation, 0, shares[0], seeds[0],
                               threshold, str(model_path))
        games, timings = out["games"], [out]
        bar.update(len(games))
    else:
        ctx = mp.get_context("spawn")
        queue = ctx.Queue()
        procs = [ctx.Process(target=self_play_worker,
                             args=(cfg, str(run.root), generation, k, shares[k], seeds[k],
                                   threshold, str(model_path), queue))
                 for k in range(workers)]
        for proc in procs:
            proc.start()
        while len(timings) < workers:
            try:
                kind, payload = queue.get(timeout=10)
            except queue_module.Empty:
                failed = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
                if failed:
                    raise RuntimeError(f"self-play worker exited with code {failed[0]}; "
                                       f"its finished games are kept, re-run to resume") from None
                continue
            if kind == "game":
                games.append(payload)
                bar.update(1)
            else:
                timings.append(payload)
        for proc in procs:
            proc.join()
            if proc.exitcode:
                raise RuntimeError(f"self-play worker exited with code {proc.exitcode}")
    bar.close()
    log_self_play(run, writer, generation, earlier + games, timings, threshold,
                  time.perf_counter() - start, earlier=len(earlier),
                  unsummarised=have - len(earlier))


def earlier_games(run: RunFolder, generation: int) -> list[dict]:
    """Summaries of the games ``generation``'s shards already hold (a resumed generation);
    shards written before summaries were stored contribute none."""
    return [summary for path in run.shards_of(generation)
            for summary in shard_summaries(path) or []]


def log_self_play(run: RunFolder, writer, generation: int, games: list[dict],
                  timings: list[dict], threshold: float, seconds: float,
                  earlier: int = 0, unsummarised: int = 0) -> None:
    """One ``selfplay`` entry for the whole generation. ``games`` are per-game summaries,
    the first ``earlier`` of them of games played before a kill (the rates count only the
    others, over ``seconds``); ``unsummarised`` more games are in shards written before
    summaries were stored (counted in ``games``, in no per-game figure)."""
    playthrough = [g for g in games if g["playthrough"]]
    stats = {"games": len(games) + unsummarised, "moves": sum(g["moves"] for g in games),
             "positions": sum(g["positions"] for g in games),
             "resigned": sum(g["resigned"] for g in games),
             "black_wins": sum(g["winner"] == 1 for g in games),
             "resign_threshold": threshold,
             "net": timings[0].get("precision", "") if timings else "",
             "target_pruned": float(np.mean([g.get("pruned", 0.0) for g in games] or [0.0])),
             "playthrough": len(playthrough),
             # played through, and the winner's value fell below this generation's threshold
             "false_resign": sum(g["winner_min"] < threshold for g in playthrough),
             "playthrough_winner_min": [round(g["winner_min"], 4) for g in playthrough]}
    # the value head on games it has not trained on yet: its honest test loss, and calibration
    calibration = value_calibration(
        np.array([v for g in games for v in g.get("net_value", [])], dtype=np.float64),
        np.array([z for g in games for z in g.get("outcome", [])], dtype=np.float64))
    outcomes = np.array([z for g in games for z in g.get("outcome", [])], dtype=np.float64)
    root_q = np.array([q for g in games for q in g.get("root_q", [])], dtype=np.float64)
    stats |= {"value_mse_fresh": calibration["mse"],
              "value_calibration_error": calibration["calibration_error"],
              "value_calibration": calibration["table"],
              # the search's root value against the same outcomes: how far z is from what a
              # full search already knew (the gap value_target_q_weight trades on)
              "search_value_mse_fresh": (float(np.mean((root_q - outcomes) ** 2))
                                         if len(root_q) == len(outcomes) > 0 else None)}
    hours = seconds / 3600
    net = sum(t["net_seconds"] for t in timings)
    busy = sum(t["seconds"] for t in timings)
    entry = {"generation": generation, "phase": "selfplay", **stats,
             "games_per_hour": (len(games) - earlier) / hours if seconds > 0 else None,
             "positions_per_second": (sum(t["evaluations"] for t in timings) / seconds
                                      if seconds > 0 else None),
             "net_fraction": net / busy if busy > 0 else None}
    if earlier or unsummarised:
        entry["resumed_games"] = earlier + unsummarised
    run.log(entry)
    for key in ("games_per_hour", "positions_per_second", "net_fraction", "resign_threshold",
                "value_mse_fresh", "value_calibration_error", "search_value_mse_fresh"):
        if entry[key] is not None:
            writer.add_scalar(f"selfplay/{key}", entry[key], generation)
    writer.add_scalar("selfplay/mean_game_length", stats["moves"] / max(stats["games"], 1),
                      generation)
    writer.add_scalar("selfplay/black_win_rate", stats["black_wins"] / max(stats["games"], 1),
                      generation)


def train(cfg: ZeroConfig, run: RunFolder, generation: int, writer) -> GoNet:
    """Train the previous generation's net on the replay window; save generation's files."""
    model = load_model(run.model_path(generation - 1))
    trainer = Trainer(model, cfg)
    previous_optimizer = run.optimizer_path(generation - 1)
    if previous_optimizer.exists():
        trainer.load_optimizer(previous_optimizer)
    lr = trainer.set_generation(generation)
    window = ReplayWindow.load(run.shards, cfg.window_games, *init_data_shards(cfg),
                               older_last=init_data_last(cfg))
    rng = np.random.default_rng(cfg.seed * 7919 + generation)
    steps = train_steps(cfg, run, generation)
    means = fit(trainer, window, steps, rng, writer, trained_before(run, generation),
                f"gen {generation} train")
    trainer.save_optimizer(run.optimizer_path(generation))
    games = sum(int(np.load(p)["games"]) for p in shard_paths(run.shards))
    save_atomic(model, run.model_path(generation),
                {"generation": generation, "games": games, "window_positions": len(window),
                 "learning_rate": lr, "config": json.loads(cfg.to_json())})
    run.log({"generation": generation, "phase": "train", "learning_rate": lr, "steps": steps,
             "window_positions": len(window), "window_games": window.games, **means})
    # only the newest momentum is ever read (a resumed run goes on from it); every
    # generation's net stays
    run.optimizer_path(generation - 1).unlink(missing_ok=True)
    return model


def train_steps(cfg: ZeroConfig, run: RunFolder, generation: int) -> int:
    """Fixed ``train_steps``, or enough that each new position is sampled about
    ``samples_per_position`` times (KataGo's fixed data reuse)."""
    if cfg.samples_per_position <= 0:
        return cfg.train_steps
    positions = 0
    for path in run.shards.glob(f"gen{generation:04d}-*.npz"):
        with np.load(path) as shard:
            positions += len(shard["value"])
    return max(1, math.ceil(cfg.samples_per_position * positions / cfg.batch_size))


def trained_before(run: RunFolder, generation: int) -> int:
    """Optimizer steps of earlier generations (the x axis of the loss curves)."""
    return sum(e.get("steps", 0) for e in run.entries()
               if e.get("phase") == "train" and e.get("generation", 0) < generation)


def evaluate(cfg: ZeroConfig, run: RunFolder, generation: int, writer) -> None:
    if cfg.eval_games > 0 and generation > 0:
        new, old = load_model(run.model_path(generation)), load_model(run.best_path)
        result = new_vs_old(new, old, cfg.eval_games, cfg.eval_visits, cfg.board_size,
                            cfg.komi).summary()
        accepted = not cfg.gating or result["win_rate"] > 0.55
        run.log({"generation": generation, "phase": "eval", "accepted": accepted, **result})
        writer.add_scalar("eval/win_rate_vs_previous", result["win_rate"], generation)
        if accepted:
            run.set_best(generation)
    else:
        run.set_best(generation)
    if cfg.gnugo_every and generation % cfg.gnugo_every == 0 and Path("/usr/games/gnugo").exists():
        result = versus_gnugo(load_model(run.model_path(generation)), cfg.gnugo_games,
                              cfg.eval_visits, cfg.board_size, cfg.komi).summary()
        run.log({"generation": generation, "phase": "gnugo", **result})
        writer.add_scalar("eval/elo_vs_gnugo_level1", result["elo"], generation)


def run_zero(cfg: ZeroConfig, folder: str | Path) -> None:
    """Run (or resume) generations up to ``cfg.generations`` in ``folder``."""
    from torch.utils.tensorboard import SummaryWriter

    torch.set_num_threads(cfg.threads)
    run = RunFolder(Path(folder))
    training_device(cfg.device)  # 'cuda' without a GPU: refused here, not in each worker
    # built and checked before the folder is written, so a bad init_model or init_data
    # leaves nothing behind
    start = initial_model(cfg) if run.latest_generation() < 0 else None
    if start is not None:
        older = check_init_data(cfg, start[0])
    prepare(cfg, run)
    writer = SummaryWriter(str(run.root / "tb"))
    try:
        if start is not None:
            model, provenance = start
            if cfg.init_steps > 0:
                provenance |= bootstrap(cfg, run, model, older, writer)
            save_atomic(model, run.model_path(0), provenance)
        done = run.latest_generation()
        run.log({"phase": "start", "generation": done})  # curves leave the pause before out
        if done > 0 and not run.evaluated(done):
            evaluate(cfg, run, done, writer)
        while done < cfg.generations:
            generation = done + 1
            self_play(cfg, run, generation, run.best_path, writer)
            train(cfg, run, generation, writer)
            evaluate(cfg, run, generation, writer)
            done = generation
    finally:
        writer.close()
