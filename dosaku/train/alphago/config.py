"""SLConfig, RolloutConfig, RLConfig and ValueConfig: the four AlphaGo training runs, typed, a
default and a docstring for every field.

Presets live in ``configs/alphago_*.toml`` (flat keys, the field names below); CLI flags
override them. The resolved config is written to ``RUN/config.json`` and into every
checkpoint's provenance; a re-run into the same folder with a different config refuses to mix
the two (:func:`dosaku.train.alphago.run_folder.RunFolder.prepare`).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..choices import TRAIN_DEVICES, TRAIN_PRECISIONS
from ..preset import load_preset

DEFAULT_GAMES = ("../shared/data/games/tom-9d-2003-2011.sgf.gz",
                 "../shared/data/games/tygem-9d-2016-06-07.sgf.gz")


class CheckedChoices:
    """Refuses a misspelt choice (:data:`CHOICES`) on construction, before a run folder is
    written (a run's recipe is fixed)."""

    def __post_init__(self) -> None:
        for name, allowed in CHOICES.items():
            value = getattr(self, name, None)
            if value is not None and value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


@dataclass(frozen=True)
class DataConfig:
    """Where the expert games are, how they are split, and how positions are streamed.

    Shared by both stages (each config below has these fields too, by inheritance), so the
    rollout policy and the SL net hold out the same games.
    """

    games: tuple[str, ...] = DEFAULT_GAMES
    """SGF files, one game per line (``.sgf.gz``) or collections; relative paths are taken
    from the working directory."""
    holdout_per_mille: int = 10
    """Games held out for validation, per thousand, chosen by a hash of (file name, game
    index): whole games, the same ones in every run and both stages."""
    validation_games: int = 100
    """Held-out games whose every position is scored during training (the final report can
    use more: ``dosaku eval policy --held-out``)."""
    workers: int = 1
    """Processes that parse, replay and encode games; the trainer only does arithmetic
    (the value run: processes that play its self-play shards, one thread each)."""
    game_buffer: int = 500
    """Games shuffled in memory before their positions are drawn (the files are in date
    order; this breaks up runs of one server, year and player)."""
    position_buffer: int = 4096
    """Positions shuffled per worker before batching (one game's positions are correlated)."""
    positions_per_game: int = 16
    """Positions drawn (without replacement) from each game per pass over the data."""
    min_move: int = 0
    """Positions before this move number are not drawn (0: every move, as in the paper)."""
    seed: int = 0
    """Seeds the split-independent randomness: initialisation, shuffles, symmetries."""


@dataclass(frozen=True)
class NetTrainingConfig(CheckedChoices):
    """The network and its optimizer, shared by the SL policy and value runs (both train an
    AlphaGo trunk of ``blocks`` layers by SGD or Adam with checkpoints and validations); each
    run's class overrides the defaults that differ."""

    model: str = "alphago_policy"
    """A registered model name (``dosaku nets list``) with a policy head."""
    blocks: int = 6
    """Weight layers of the net (13 in the paper: one 5x5, eleven 3x3, the 1x1 head)."""
    channels: int = 64
    """Filters per layer (k = 192 in the paper; 128 on a few CPU hours is the ceiling)."""
    encoder: str = "alphago48"
    """Input planes (``alphago48``: Extended Data Table 2 without the player colour)."""
    batch_size: int = 64
    """Positions per step (16 in the paper, with 50 GPUs)."""
    steps: int = 20000
    """Optimizer steps of the run; a re-run continues up to this number."""
    optimizer: str = "adam"
    """``adam`` (fast start on a CPU budget) or ``sgd`` (the paper: plain SGD, α = 0.003)."""
    learning_rate: float = 1e-3
    """Initial step size."""
    lr_halve_every: int = 0
    """Halve the learning rate every this-many steps (the paper: every 80M steps); 0 never."""
    momentum: float = 0.9
    """SGD momentum (ignored by adam)."""
    weight_decay: float = 1e-4
    """L2 penalty on the weights."""
    checkpoint_every: int = 500
    """Steps between checkpoints (model + optimizer, atomic)."""
    validate_every: int = 1000
    """Steps between validations on the held-out games."""
    keep_checkpoints: int = 2
    """Checkpoints kept on disk (older ones are deleted after a newer one is written)."""
    train_precision: str = "fp32"
    """``fp32`` or ``bf16``: the arithmetic of each step's forward and backward passes (bf16
    autocast; weights, optimizer and loss stay fp32; :mod:`dosaku.train.arithmetic`). bf16
    trained the 6 x 64 SL net 3.0x, a 10 x 128 one 2.3x faster than fp32 on this CPU (AMX);
    it may change when a run resumes (``RUNTIME_FIELDS``)."""
    device: str = "auto"
    """Where the training steps run: ``auto`` (a CUDA GPU when torch sees one, else the
    CPU), ``cpu`` or ``cuda`` (the value run's self-play stays on the CPU). The run folder
    does not depend on it: a run started on a GPU resumes on a CPU and back."""
    max_minutes: float = 0.0
    """Stop this invocation at the first training step after this many minutes of
    wall-clock time, validating and checkpointing first (the value run's self-play is not
    cut short); 0: no limit. For machines lent by the hour: the same command resumes."""


@dataclass(frozen=True)
class SLConfig(NetTrainingConfig, DataConfig):
    """The SL policy network run (Silver et al. 2016, Methods "Supervised learning of policy
    networks"): cross-entropy between the net's move distribution and the expert's move, on
    ``alphago48`` planes, a random one of the 8 symmetries per position."""

    threads: int = 1
    """torch threads of the trainer (one per free core: more oversubscribes)."""


@dataclass(frozen=True)
class RolloutConfig(DataConfig):
    """The rollout policy run (Silver et al. 2016, Methods "Rollout policy"): a linear softmax
    over the candidate moves' sparse pattern features, trained by SGD on cross-entropy with
    the expert's move."""

    response_bits: int = 15
    """log2 of the response-pattern buckets (RolloutLayout)."""
    pattern_bits: int = 16
    """log2 of the 3x3-pattern buckets (RolloutLayout)."""
    batch_size: int = 256
    """Positions per logged step (the update itself is per position: plain SGD)."""
    steps: int = 8000
    """Steps of ``batch_size`` positions; a re-run continues up to this number."""
    learning_rate: float = 0.05
    """SGD step size per position."""
    lr_halve_every: int = 0
    """Halve the learning rate every this-many steps; 0 never."""
    l2: float = 1e-6
    """L2 shrinkage applied to a weight each time it is updated."""
    checkpoint_every: int = 500
    """Steps between checkpoints (the weight file, atomic)."""
    validate_every: int = 1000
    """Steps between validations on the held-out games."""
    keep_checkpoints: int = 2
    """Checkpoints kept on disk."""


@dataclass(frozen=True)
class SelfPlayConfig(CheckedChoices):
    """How the sampled games of the RL and value stages are played
    (:mod:`dosaku.train.alphago.selfplay`): the board is the policy nets' (19x19 for the SL
    net), the rules Chinese (area scoring), komi 7.5."""

    sl_model: str = "training/alphago-sl-small/model.safetensors"
    """The SL policy net (``dosaku alphago sl``'s ``model.safetensors``)."""
    komi: float = 7.5
    """Komi of the self-play games."""
    max_moves: int = 400
    """Moves after which a game is stopped and scored by the cleanup playouts (a cap on CPU
    time: a sampled 19x19 game that never passes would run to ~600 moves)."""
    min_pass_move: int = 200
    """The policy may pass only from this move on (or when nothing else is left)."""
    cleanup_playouts: int = 9
    """Light random playouts from a finished (or capped) game; the majority's Tromp-Taylor
    result is the game's (dead stones are captured by the playouts)."""
    temperature: float = 1.0
    """Moves are sampled ∝ π^(1/T) (1: the paper's sampling)."""
    selfplay_precision: str = "fp32"
    """``fp32`` or ``int8``: the arithmetic of the policy nets while they *sample* the games
    (:func:`.selfplay.int8_sampler`, calibrated on positions of the nets' own sampled games;
    the nets that are trained, and their evaluation, stay fp32). int8 samples from nearly the
    same distribution (policy KL 0.005 from fp32 on held-out game positions for the 6 x 64 SL
    net, `dosaku quantize`) at 2.4x the games per hour (``benchmarks/alphago_selfplay.py``);
    it may change when a run resumes (``RUNTIME_FIELDS``)."""
    threads: int = 1
    """torch threads (one per free core: more oversubscribes)."""
    seed: int = 0
    """Seeds initialisation, opponents, move sampling (re-seeded per step on resume)."""


@dataclass(frozen=True)
class RLConfig(SelfPlayConfig):
    """The RL policy network run (Silver et al. 2016, Methods "Reinforcement learning of
    policy networks"): REINFORCE on games against earlier snapshots of itself."""

    games_per_step: int = 16
    """Games per update (n = 128 in the paper); the learner is Black in half of them."""
    steps: int = 10000
    """Updates (iterations) of the run (10,000 in the paper); a re-run continues up to it."""
    optimizer: str = "sgd"
    """``sgd`` (the paper's) or ``adam``."""
    learning_rate: float = 1e-3
    """α of Δρ = α/n Σ_i Σ_t ∇ log p_ρ(a_t|s_t) (z_t − b) (the paper: 0.001)."""
    baseline: str = "none"
    """b(s_t): ``none`` (b = 0, the paper's main run) or ``mean`` (the batch's mean outcome
    for the learner, a constant per update: less variance, the same expected gradient)."""
    entropy_bonus: float = 0.0
    """β ≥ 0 of an entropy regulariser: the update ascends Σ_t [log p(a_t|s_t)(z_t − b) +
    β H(p(·|s_t))] (Williams & Peng 1991; A3C, Mnih et al. 2016, used β = 0.01). 0 is the
    paper's update; REINFORCE against its own snapshots measured here collapsed the entropy
    2.36 → 0.44 nats in 100 updates, winning against SL by sharpening."""
    pool_every: int = 500
    """A snapshot of the learner joins the opponent pool every this-many steps (500)."""
    eval_games: int = 20
    """Sampled games against the SL net at each evaluation (the paper: 80% won)."""
    eval_every: int = 0
    """Steps between evaluations against the SL net; 0: only at the end of the run."""
    forward_batch: int = 256
    """Positions per forward/backward chunk of the update (memory, not the gradient)."""
    update_precision: str = "fp32"
    """``fp32`` or ``bf16``: the arithmetic of the update's forward and backward passes
    (bf16 autocast; the weights, the optimizer and the softmax stay fp32). For the 6 x 64 SL
    net bf16 took an update 2.9x faster than fp32 on this CPU (AMX), its gradient at cosine
    0.999 to fp32's (``benchmarks/alphago_rl_step.py``)."""
    checkpoint_every: int = 1
    """Steps between checkpoints (a step is minutes of self-play on a CPU)."""
    keep_checkpoints: int = 2
    """Checkpoints kept on disk (the pool's snapshots are kept apart)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.entropy_bonus < 0:
            raise ValueError(f"entropy_bonus must be >= 0, got {self.entropy_bonus}")


@dataclass(frozen=True)
class ValueConfig(NetTrainingConfig, SelfPlayConfig, DataConfig):
    """The value network run (Silver et al. 2016, Methods "Reinforcement learning of value
    networks"): v_θ(s) regressed by MSE on the outcome z, on ``alphago49`` planes.

    ``source = "selfplay"``: the paper's data, one position per self-play game: the SL policy
    plays moves 1..U−1, move U is uniformly random, the RL policy plays on to the end; the
    position after move U is kept with the final outcome. ``source = "human"``: every
    position of ``human_games`` expert games with the game's result (the paper's
    overfitting control: successive positions are strongly correlated)."""

    source: str = "selfplay"
    """``selfplay`` (one position per game) or ``human`` (every position of expert games)."""
    rl_model: str = "training/alphago-rl/model.safetensors"
    """The RL policy net that plays from move U+1 on."""
    selfplay_games: int = 20000
    """Self-play games (= positions) to generate (30M in the paper)."""
    shard_games: int = 32
    """Games played at once and written as one data shard (the unit of resume)."""
    max_u: int = 300
    """U is uniform in 1..max_u (450 in the paper; kept under ``max_moves``)."""
    rl_temperature: float = 1.0
    """The RL net's sampling temperature from move U+1 on (``temperature`` is the SL
    net's). 1 is the paper's; 0 plays its most probable move, so that z is a function of
    the position. A label can be no better than the continuation: with the shipped 6 x 64
    RL net sampled at 1 (or 0.5) the outcome of a position varies so much that no value
    net could score below an MSE of 0.75 (``benchmarks/alphago_value_floor.py``); the
    paper's far stronger RL net decided its games by the position."""
    init_trunk: str = ""
    """A policy net (the SL net) whose trunk starts the value net's (its weight layers
    copied; the weights of input planes the policy net lacks start at 0): what 1M expert
    positions taught the trunk about shapes is not relearned from a few thousand outcomes.
    "" starts from random weights (the paper)."""
    test_per_mille: int = 100
    """Self-play games held out for the test MSE, per thousand (by game number)."""
    human_games: int = 200
    """Training games (not held out) whose positions make the ``human`` data set."""
    test_games: int = 50
    """Held-out expert games whose positions make the ``human`` test set."""
    model: str = "alphago_value"
    """A registered model name with a value head."""
    encoder: str = "alphago49"
    """Input planes: ``alphago48`` plus the player's colour."""
    steps: int = 2000
    """Optimizer steps; a re-run continues up to this number."""
    validate_every: int = 500
    """Steps between train/test MSE measurements."""


CHOICES = {"selfplay_precision": ("fp32", "int8"), "update_precision": TRAIN_PRECISIONS,
           "train_precision": TRAIN_PRECISIONS, "device": TRAIN_DEVICES,
           "baseline": ("none", "mean")}
"""The fields of every stage that name one of a few choices, checked on construction."""

Config = TypeVar("Config", SLConfig, RolloutConfig, RLConfig, ValueConfig)

RUNTIME_FIELDS = ("steps", "threads", "selfplay_precision", "train_precision", "device",
                  "max_minutes", "workers", "learning_rate", "lr_halve_every")
"""Fields a resumed run may change: how long, where and how fast it runs, not what it learns
from (``steps`` extends a run; int8 sampling draws from nearly fp32's distribution; a bf16
step's gradient is within rounding of fp32's; the loader processes only share out the games,
whose order is drawn afresh on every resume anyway), and the learning-rate schedule, which
long runs set anew by hand when they are extended (Leela Zero, KataGo; the rate of every step
is in TensorBoard's ``train/learning_rate``)."""


def load_config(kind: type[Config], path: str | Path | None = None,
                **overrides: Any) -> Config:
    """``kind`` from a TOML preset (flat keys) plus overrides (None values ignored); unknown
    keys and values of the wrong type are errors (:func:`dosaku.train.preset.load_preset`)."""
    return load_preset(kind, path, **overrides)


def to_json(cfg: DataConfig | SelfPlayConfig) -> str:
    return json.dumps(dataclasses.asdict(cfg), indent=2, sort_keys=True)


def from_json(kind: type[Config], text: str) -> Config:
    values = json.loads(text)
    if issubclass(kind, DataConfig):
        values["games"] = tuple(values.get("games", DEFAULT_GAMES))
    return kind(**values)
