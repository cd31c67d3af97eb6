"""ZeroConfig: one AlphaGo Zero run, typed, with a default and a docstring for every field.

Presets live in ``configs/*.toml`` (flat keys, the field names below); the resolved config is
written to ``RUN/config.json`` and a re-run with a different config refuses to mix the two.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..choices import check_train_device, check_train_precision
from ..preset import load_preset


@dataclass(frozen=True)
class ZeroConfig:
    # -- the game and the net ------------------------------------------------------------------
    board_size: int = 9
    """Board size of every game of the run."""
    komi: float = 7.5
    """Komi; games are scored by Tromp-Taylor area, as in AlphaGo Zero's self-play."""
    model: str = "resnet_b6c64"
    """A registered model name (``dosaku nets list``); dual head, agz17 planes."""
    # -- self-play -------------------------------------------------------------------------------
    games_per_generation: int = 64
    """Self-play games added to the buffer each generation."""
    workers: int = 1
    """Self-play processes per generation (one per core); each plays its share of the games
    with its own batched evaluator."""
    selfplay_precision: str = "fp32"
    """Precision of the self-play network: fp32, bf16 or int8 (dosaku.nets.inference; int8
    is calibrated each generation on positions from the newest shards, and generation 1,
    with no shards yet, plays in fp32). Training's arithmetic is ``train_precision``."""
    selfplay_backend: str = "torch"
    """torch or onnxruntime, for the self-play network."""
    parallel_games: int = 16
    """Games played at once in one process; their leaves share network calls."""
    leaves_per_game: int = 4
    """Leaves each game gathers per step (virtual loss), so a call has up to
    parallel_games × leaves_per_game positions."""
    visits: int = 64
    """Simulations per move of a full search."""
    fast_visits: int = 0
    """Playout cap randomization (KataGo): if > 0, a move is searched with this many visits
    unless drawn for a full search; only full searches become policy targets."""
    full_search_fraction: float = 0.25
    """Probability of a full search when fast_visits > 0."""
    forced_playouts: float = 0.0
    """KataGo's forced playouts with policy target pruning on full searches (k; 2 in KataGo,
    0 = off): noise-boosted root moves get sqrt(k·P·N) visits, and the target drops them."""
    temperature_moves: int = 8
    """Moves (per game) chosen ∝ visit count (T = 1); later moves take the most visited."""
    dirichlet_alpha: float = 0.0
    """Root noise α; 0 = 0.03·361/n² (AlphaZero's 19×19 value, scaled by the board)."""
    noise_fraction: float = 0.25
    """Root noise weight ε."""
    resign_threshold: float = -0.9
    """Resign when the root value falls below this; with ``resign_false_positive`` > 0 it is
    only the ceiling of the calibrated threshold."""
    resign_playthrough: float = 0.2
    """Fraction of games never resigned, to measure false resignations."""
    resign_false_positive: float = 0.05
    """AlphaGo Zero ("Self-play"): the threshold is chosen from the played-through games so
    that at most this fraction of their winners ever fell below it; resigning stays off until
    ``resign_min_games`` such games exist. 0 = use ``resign_threshold`` as it is."""
    resign_min_games: int = 20
    """Played-through games needed before the threshold is calibrated and resigning starts."""
    min_pass_move: int = -1
    """No pass searched before this move while other moves are legal; -1 = n²/2 (see
    SearchConfig.min_pass_move: short searches otherwise learn to end games by passing)."""
    tidy_pass: bool = True
    """From min_pass_move on, pass only when ahead on the board as it stands or when only
    own-eye moves are left (SearchConfig.tidy_pass): games end finished, so z is exact."""
    max_moves_factor: float = 2.0
    """A game stops after factor × n² moves and is scored as it stands."""
    # -- the buffer and training ---------------------------------------------------------------
    window_games: int = 2000
    """Replay window: positions are sampled from the most recent this-many games."""
    train_steps: int = 100
    """Optimizer steps per generation (when ``samples_per_position`` is 0)."""
    samples_per_position: float = 0.0
    """If > 0, steps = this × new positions / batch_size: each new position is trained on
    about this many times (KataGo keeps it near 4; far more memorises the value of a small
    window, the first 9×9 run's value loss fell to 1e-5 and it collapsed)."""
    batch_size: int = 128
    """Positions per step."""
    learning_rate: float = 0.02
    """SGD learning rate (momentum 0.9)."""
    lr_decay_generations: int = 0
    """If > 0, the learning rate is divided by 10 every this-many generations."""
    weight_decay: float = 1e-4
    """L2 regularisation c·‖θ‖² (AlphaGo Zero: 1e-4)."""
    train_precision: str = "fp32"
    """``fp32`` or ``bf16``: the arithmetic of a training step's passes (bf16 autocast,
    weights, momentum and loss in fp32; :mod:`dosaku.train.arithmetic`): 2.0x the samples/s
    for ``resnet_b6c64`` in the trainer on this CPU (AMX), held-out losses within 0.0005.
    A resumed run may change it."""
    device: str = "auto"
    """Where training and fp32 self-play run: ``auto`` (a CUDA GPU when torch sees one,
    else the CPU), ``cpu`` or ``cuda``. Each self-play worker process then batches its games
    on that GPU (int8 and bf16 self-play nets stay on the CPU). A resumed run may change it."""
    ownership_weight: float = 0.0
    """KataGo's auxiliary ownership target (Wu 2019, section 4.1): if > 0 the net is built
    with an ownership head and the loss adds this × the per-point squared error of the
    predicted final ownership (KataGo: 1.5); 0 = no head, no term. Self-play records the
    target either way, so a later run can use this run's shards."""
    value_target_q_weight: float = 0.0
    """The value target of a recorded position: (1 - w)·z + w·q, z the game's outcome and q
    the root value of its full search, both from the side to move. AlphaGo Zero trains on z
    alone (w = 0); a game's result is decided by a few late moves, so on short runs z is a
    noisy label for early positions, and the search's own q is a lower-variance (if biased)
    one. Averaging the two (w = 0.5) outperformed z alone in Abrams, "Lessons from AlphaZero
    (part 4): Improving the Training Target" (Oracle, 2018); KataGo also trains auxiliary
    search-derived value targets beside z. Self-play records q either way, so any run's
    shards serve; a shard written before q was recorded trains on z alone."""
    init_model: str = ""
    """A checkpoint whose weights start the run (its generation 0) instead of random ones:
    a new recipe bootstrapped from an earlier run's net, as Leela Zero and KataGo carried
    nets across recipe changes. It must be this run's ``model`` on this board; an ownership
    head the run adds and the checkpoint lacks starts random. "" = random initialisation."""
    init_data: str = ""
    """Another run's folder (or its ``shards`` folder) whose self-play games start this
    run's replay window: until the run has ``window_games`` games of its own, the window is
    topped up with that run's newest games. With ``init_steps`` this is how KataGo moved to a
    larger net mid-run (Wu 2019, section 3): a new net is first trained on the existing games,
    then takes over self-play. "" = the run's own games only."""
    init_data_last: int = 0
    """The newest generation of ``init_data``'s games the window may read (0 = all): a run
    started from that run's generation-N checkpoint sets N, so it learns from the games that
    existed when the checkpoint was written and not from that run's later ones (a fair A/B
    against the parent run continued from the same checkpoint)."""
    init_steps: int = 0
    """Optimizer steps on ``init_data``'s window before generation 0 is saved (0 = none;
    about ``samples_per_position`` × its positions / ``batch_size`` sees each a few times)."""
    # -- evaluation ------------------------------------------------------------------------------
    eval_games: int = 10
    """Games new vs. previous net each generation (0 = none)."""
    eval_visits: int = 32
    """Visits per move in evaluation games."""
    gating: bool = False
    """Keep the previous net unless the new one wins > 55% (AlphaGo Zero); off = AlphaZero."""
    gnugo_every: int = 0
    """Every this-many generations, a short match against GNU Go level 1 (0 = never)."""
    gnugo_games: int = 10
    """Games of that match."""
    # -- the run ---------------------------------------------------------------------------------
    generations: int = 10
    """Generations to run (a re-run continues up to this number)."""
    seed: int = 0
    """Seeds self-play, sampling and initialisation."""
    threads: int = 1
    """torch threads per process (one per core: more oversubscribes)."""

    def __post_init__(self) -> None:
        check_train_precision(self.train_precision)
        check_train_device(self.device)
        if not 0.0 <= self.value_target_q_weight <= 1.0:
            raise ValueError(f"value_target_q_weight must be in [0, 1], "
                             f"got {self.value_target_q_weight}")

    def same_run(self, other: ZeroConfig) -> bool:
        """Equal but for :data:`RUNTIME_FIELDS`, which a resumed run may change."""
        mine, theirs = dataclasses.asdict(self), dataclasses.asdict(other)
        return all(mine[k] == theirs[k] for k in mine if k not in RUNTIME_FIELDS)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)


RUNTIME_FIELDS = frozenset({"generations", "workers", "threads", "selfplay_precision",
                            "selfplay_backend", "train_precision", "learning_rate",
                            "lr_decay_generations", "device"})
"""Fields a resumed run may set anew: those that change how fast a run goes, or how long,
but not what it learns from (e.g. ``--generations 300`` to go on), and the learning-rate
schedule, which Leela Zero and KataGo lowered by hand mid-run (each generation's rate is in
``metrics.jsonl``, so the curves still say what was trained how)."""


def load_config(path: str | Path | None = None, **overrides: Any) -> ZeroConfig:
    """ZeroConfig from a TOML preset (flat keys) plus overrides; unknown keys and values of
    the wrong type are errors (:func:`dosaku.train.preset.load_preset`)."""
    return load_preset(ZeroConfig, path, **overrides)


def config_from_json(text: str) -> ZeroConfig:
    return ZeroConfig(**json.loads(text))
