"""The precision gate of one model: positions, agreement and speed of every fast variant, and
matches of the fp32 player against a fast one.

Steps, each a function, driven by ``dosaku quantize MODEL [--check]``:

1. :func:`gather_positions`: encoded planes of real positions, shuffled; the first part
   calibrates int8, the rest is *held out* and only ever measured on. Sources: self-play
   shards (``*.npz`` with ``planes``, as the Zero loop writes them), SGF files of the board
   size (``../shared/data/games``), or, failing both, random games (said so in the report:
   their activation ranges are not a real game's).
2. :func:`measure_candidates`: each (backend, precision) against torch fp32 on the held-out
   planes (:class:`~dosaku.nets.inference.gate.Agreement`) and its positions/s per batch.
   int8 that fails is fine-tuned with quantization-aware training if asked.
3. :func:`play_precision_match`: fp32 against the fast player, same search, colours
   alternating, either at equal visits (is it weaker?) or at equal time (is the speed worth
   it?); the fast player's score with a Wilson interval.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from dosaku.agents.net_evaluator import NetEvaluator
from dosaku.agents.puct_agent import PuctAgent, ThinkingLimits
from dosaku.arena.game import GameSetup, play_game
from dosaku.arena.stats import MatchStats
from dosaku.features import encoder_named
from dosaku.io import SkipStats, iter_games
from dosaku.nets import GoNet
from dosaku.nets.inference import (GATE, Agreement, TorchRunner, agreement, finetune_int8,
                                   measure, open_runner)
from dosaku.nets.inference.gate import Candidate
from dosaku.rules.game import GameState
from dosaku.search.puct import SearchConfig
from dosaku.rules.types import BLACK, WHITE

CANDIDATES = (("torch", "bf16"), ("torch", "fp16"), ("torch", "int8"),
              ("onnxruntime", "fp32"), ("onnxruntime", "int8"))
SLOW = 0.5
"""Share of fp32's batch-1 speed under which a candidate is not measured further."""
SHARED_GAMES = Path(__file__).resolve().parents[3] / "shared" / "data" / "games"


def encode(states: list[GameState], encoder_name: str) -> np.ndarray:
    encoder = encoder_named(encoder_name)
    n = states[0].size
    planes = np.empty((len(states), encoder.planes, n, n), dtype=np.float32)
    encoder.encode_batch(states, out=planes)
    return planes


def shard_planes(folder: Path, count: int, planes: int, size: int,
                 rng: np.random.Generator) -> np.ndarray:
    """``count`` positions drawn evenly over the newest shards of ``folder``."""
    shards = sorted(folder.glob("*.npz"))[::-1]
    found, total = [], 0
    for shard in shards:
        with np.load(shard) as data:
            x = data["planes"]
        if x.shape[1:] != (planes, size, size):
            raise ValueError(f"{shard}: planes {x.shape[1:]}, the net reads "
                             f"{(planes, size, size)}")
        found.append(x)
        total += len(x)
        if total >= 4 * count:
            break
    every = np.concatenate(found).astype(np.float32)
    return every[rng.permutation(len(every))[:count]]


def game_positions(path: Path, count: int, size: int, rng: np.random.Generator,
                   ) -> list[GameState]:
    """One position per game, a random move number of the game's middle."""
    files = sorted(path.glob("*.sgf*")) if path.is_dir() else [path]
    states = []
    for file in files:
        for record in iter_games(file, on_error="skip", skip_stats=SkipStats()):
            if record.size != size or len(record.moves) < 20 or record.setup_black:
                continue
            state = GameState(size, record.komi)
            stop = int(rng.integers(10, len(record.moves) - 5))
            try:
                for color, move in record.moves[:stop]:
                    state.play(move, color)
            except ValueError:
                continue
            states.append(state)
            if len(states) == count:
                return states
    return states


def random_positions(count: int, size: int, rng: np.random.Generator) -> list[GameState]:
    states = []
    while len(states) < count:
        state = GameState(size)
        for _ in range(int(rng.integers(0, size * size))):
            moves = state.legal_moves()[:-1]
            if len(moves) == 0:
                break
            state.play(int(rng.choice(moves)))
        states.append(state)
    return states


def gather_positions(net: GoNet, count: int, source: Path | None = None,
                     seed: int = 0) -> tuple[np.ndarray, str]:
    """(planes (count, C, n, n) float32, where they came from). ``source``: a folder of
    shards, an SGF file or folder; None tries ``../shared/data/games`` (19x19 only), then
    random games."""
    rng = np.random.default_rng(seed)
    config = net.config
    n = config.board_size
    if source is not None and source.is_dir() and any(source.glob("*.npz")):
        return (shard_planes(source, count, config.in_planes, n, rng),
                f"self-play shards in {source}")
    games = source if source is not None else SHARED_GAMES
    if games.exists() and (source is not None or n == 19):  # the shared games are all 19x19
        states = game_positions(games, count, n, rng)
        if len(states) == count:
            return encode(states, config.encoder), f"{n}x{n} games in {games}"
    return (encode(random_positions(count, n, rng), config.encoder),
            f"random {n}x{n} games (no real positions found)")


def fp32_outputs(net: GoNet, planes: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The reference: torch fp32 on ``planes``, with None for a head the net does not have."""
    logits, values = TorchRunner(net).run(np.ascontiguousarray(planes))
    return (logits if net.policy_head is not None else None,
            values if net.value_head is not None else None)


def compare(net: GoNet, runner, held_out: np.ndarray, batch: int = 64,
            ref: tuple[np.ndarray | None, np.ndarray | None] | None = None) -> Agreement:
    """``runner`` against the fp32 ``net`` on ``held_out`` (``ref``: fp32's outputs there, if
    already computed)."""
    ref = fp32_outputs(net, held_out) if ref is None else ref
    parts = [runner.run(np.ascontiguousarray(held_out[i:i + batch]))
             for i in range(0, len(held_out), batch)]
    logits, values = (np.concatenate([p[k] for p in parts]) for k in (0, 1))
    return agreement(ref, (logits if ref[0] is not None else None,
                           values if ref[1] is not None else None))


def measure_candidates(net: GoNet, calibration: np.ndarray, held_out: np.ndarray,
                       batches: tuple[int, ...] = (1, 8, 64), seconds: float = 0.5,
                       qat_steps: int = 0,
                       progress: Callable[[str], None] | None = None) -> list[Candidate]:
    """Torch fp32 and every (backend, precision) of :data:`CANDIDATES`: agreement with fp32
    on ``held_out`` and positions/s per batch size. ``qat_steps`` > 0: an int8 that fails the
    gate is fine-tuned (distilled from fp32 on the calibration planes) and measured again.

    A candidate under :data:`SLOW` of fp32's speed at batch 1 is not measured further (fails,
    its agreement NaN): ``auto`` would never take it, and without the CPU's units for it the
    rest could take many minutes (bf16 on an AVX2-only CPU: 0.6 positions/s for the 13 x 192
    policy net at batch 1, where fp32 ran 15)."""
    torch.set_num_threads(1)
    rows = np.arange(max(batches)) % len(held_out)
    speed_planes = held_out[rows]
    ref = fp32_outputs(net, held_out)

    def measured(runner, note: str, fp32_speed: float = 0.0) -> Candidate:
        first = measure(runner, speed_planes[:1], seconds)
        if first < SLOW * fp32_speed:
            if progress is not None:
                progress(f"{runner.backend} {runner.precision} {note}: {first:.1f} positions/s "
                         f"at batch 1, fp32 {fp32_speed:.1f}: not measured further")
            return Candidate(runner.backend, runner.precision,
                             Agreement(0, float("nan"), float("nan"), float("nan")), False,
                             {1: first}, f"{note}; under {SLOW:.0%} of fp32's speed here")
        agree = compare(net, runner, held_out, ref=ref)
        speed = {1: first} | {b: measure(runner, speed_planes[:b], seconds)
                              for b in batches if b != 1}
        if progress is not None:
            progress(f"{runner.backend} {runner.precision} {note}: top-1 {agree.top1:.4f}, "
                     f"value MAE {agree.value_mae:.4f}")
        return Candidate(runner.backend, runner.precision, agree, agree.passes(GATE), speed,
                         note)

    found = [measured(TorchRunner(net), "reference")]
    fp32_speed = found[0].speed[1]
    for backend, precision in CANDIDATES:
        runner = open_runner(net, backend, precision, calibration=calibration)
        found.append(measured(runner, "post-training", fp32_speed))
        if (backend, precision) == ("torch", "int8") and not found[-1].passed and qat_steps:
            tuned = finetune_int8(net, torch.from_numpy(calibration), steps=qat_steps)
            found.append(measured(TorchRunner(tuned), f"QAT, {qat_steps} steps", fp32_speed))
    return found


@dataclass(frozen=True)
class PrecisionMatch:
    """fp32 against a fast (backend, precision), same model and search."""

    backend: str
    precision: str
    games: int
    visits: int | None
    """Visits per move (equal visits); None when the limit is time."""
    seconds: float | None
    """Seconds per move (equal time); None when the limit is visits."""
    wins: int
    losses: int
    draws: int
    fast_seconds_per_move: float
    fp32_seconds_per_move: float
    fast_evaluations_per_move: float
    fp32_evaluations_per_move: float

    @property
    def stats(self) -> MatchStats:
        """The fast player's result."""
        return MatchStats(self.wins, self.losses, self.draws)


def play_precision_match(model: Path, backend: str, precision: str, games: int,
                         visits: int | None = None, seconds: float | None = None,
                         komi: float = 7.5, batch_size: int = 8, seed: int = 0,
                         out: Path | None = None,
                         progress: Callable[[str], None] | None = None) -> PrecisionMatch:
    """Play ``games`` games between the fp32 player and the (``backend``, ``precision``)
    player of ``model`` at ``visits`` per move or ``seconds`` per move, the fast player Black
    in even games. Both are AlphaGo Zero's evaluation player (random symmetry, most visited
    move) but never resign: a net whose value has collapsed (the 9x9 run's gen0042 thinks
    Black always wins) would otherwise end every game at White's first move, and the match
    would measure nothing. ``out``: a folder for ``results.jsonl``."""
    if (visits is None) == (seconds is None):
        raise ValueError("give visits (equal visits) or seconds (equal time), not both")
    evaluators = {"fp32": NetEvaluator(model, seed=seed, batch_size=batch_size),
                  "fast": NetEvaluator(model, seed=seed + 1, backend=backend,
                                       precision=precision, batch_size=batch_size)}
    n = evaluators["fp32"].size
    config = SearchConfig(batch_size=batch_size, resign_threshold=-1.0, min_pass_move=n * n // 2)
    limits = ThinkingLimits(visits=visits if visits is not None else 10**9, seconds=seconds)
    wins = losses = draws = 0
    time_used = {"fp32": [0.0, 0], "fast": [0.0, 0]}
    evaluations = {"fp32": 0, "fast": 0}
    label = {"fp32": "fp32", "fast": f"{backend}-{precision}"}
    log = (out / "results.jsonl").open("w") if out is not None else None
    for index in range(games):
        order = ("fast", "fp32") if index % 2 == 0 else ("fp32", "fast")
        agents = {color: PuctAgent(evaluators[who], config, limits, seed=seed + 2 * index + k,
                                   name=label[who])
                  for k, (color, who) in enumerate(zip((BLACK, WHITE), order, strict=True))}
        before = {who: evaluators[who].positions for who in order}
        setup = GameSetup(index, label[order[0]], label[order[1]], size=n, komi=komi,
                          seed=seed + index, move_timeout=600.0)
        outcome, state, _ = play_game(agents, setup)
        fast_letter = "B" if order[0] == "fast" else "W"
        if outcome.winner == "0":
            draws += 1
        elif outcome.winner == fast_letter:
            wins += 1
        else:
            losses += 1
        for color_letter, who in zip("BW", order, strict=True):
            time_used[who][0] += outcome.seconds.get(color_letter, 0.0)
            time_used[who][1] += (state.move_number + (color_letter == "B")) // 2
            evaluations[who] += evaluators[who].positions - before[who]
        if log is not None:
            log.write(json.dumps(outcome.to_json()) + "\n")
            log.flush()
        if progress is not None:
            progress(f"game {index + 1}/{games}: {outcome.result} ({label[order[0]]} Black); "
                     f"{label['fast']} {wins + 0.5 * draws:g}/{index + 1}")
    if log is not None:
        log.close()
    moves = {who: max(1, used[1]) for who, used in time_used.items()}
    match = PrecisionMatch(backend, precision, games, visits, seconds, wins, losses, draws,
                           time_used["fast"][0] / moves["fast"],
                           time_used["fp32"][0] / moves["fp32"],
                           evaluations["fast"] / moves["fast"],
                           evaluations["fp32"] / moves["fp32"])
    if out is not None:
        (out / "summary.json").write_text(json.dumps(asdict(match), indent=1) + "\n")
    return match
