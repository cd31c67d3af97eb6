"""Self-play (AlphaGo Zero, "Self-play training pipeline"): many games, one batched evaluator.

Each game owns a PUCT search. A step asks every active game for a few leaves (virtual loss
spreads them), evaluates all of them in one network call, and lets each game back its values
up; a game whose root has reached its visit target plays a move. So the network always sees
batches of ``parallel_games × leaves_per_game`` positions, which is what keeps a CPU (or GPU)
busy in Python.

Per move a game records the root's planes and its visit distribution π (the policy target);
when the game ends every record gets z = ±1 from its side to move (the value target). With
playout cap randomization (KataGo, Wu 2019) most moves get a cheap search and are not
recorded; a random quarter get the full search, noise and a record.

Every record also gets the final ownership of each point from its side to move (KataGo's
auxiliary target, Wu 2019, section 4.1): +1 the side to move owns the point, -1 the opponent,
0 neither. It is the Tromp-Taylor owner on the final board, the very count that decides z, so
the two targets never disagree; a game stopped at the move limit is scored, and owned, as it
stands. A resigned game has no ownership target: its board is unfinished (frameworks not yet
closed, dead stones still on it), and counting it as it stands would teach that an open
framework is dame and a dead group alive. Its record holds ``ownership = None`` and the buffer
masks those positions out of the ownership loss (they still train policy and value).

Resignation (AlphaGo Zero): a game resigns when the root value falls below the threshold,
except a fraction of games that are played out to measure how often resigning would have been
wrong. Each record keeps the lowest root value its winner saw, so the run can choose a
threshold that would have resigned at most 5% of those won games (``dosaku.train.zero.loop``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dosaku.features import encoder_named
from dosaku.rules.game import GameState
from dosaku.rules.scoring import tromp_taylor_ownership, tromp_taylor_score
from dosaku.rules.types import BLACK, WHITE
from dosaku.search.evaluator import Evaluator
from dosaku.search.puct import Search, SearchConfig

from .config import ZeroConfig


@dataclass
class SelfPlayRecord:
    """One finished game: training samples and what happened."""

    planes: np.ndarray
    """uint8 (P, C, n, n): the recorded positions, from their side to move."""
    policy: np.ndarray
    """float32 (P, n*n + 1): visit distributions of the full searches."""
    value: np.ndarray
    """int8 (P,): +1 if the side to move at that position won, else -1."""
    moves: list[tuple[int, int]]
    winner: int
    score: float | None
    """Tromp-Taylor score (black - white - komi) if played out, None if resigned."""
    resigned: bool
    playthrough: bool
    """Resignation was disabled in this game."""
    would_resign: int = 0
    """In a playthrough game, the first side whose value fell below the threshold (0: none)."""
    pruned: float = 0.0
    """Mean fraction of the recorded searches' visits that policy target pruning removed."""
    winner_min_value: float = 1.0
    """The lowest root value the winner saw before its moves: a played-through game where it
    is below the threshold would have been resigned by the winner (a false positive)."""
    ownership: np.ndarray | None = None
    """int8 (P, n, n): the final owner of each point from the recorded position's side to
    move (+1 it, -1 the opponent, 0 neither); None for a resigned game (see the module doc)."""
    net_value: np.ndarray | None = None
    """float32 (P,): the network's own value of each recorded position (before any search),
    from its side to move: beside ``value`` it measures the value head's calibration on
    games it has not been trained on (:func:`value_calibration`)."""
    root_q: np.ndarray | None = None
    """float32 (P,): the root value of each recorded position's full search, from its side to
    move (the search's own estimate; ``ZeroConfig.value_target_q_weight`` mixes it into the
    value target)."""


@dataclass
class SelfPlayGame:
    """A game in progress with its search and the samples recorded so far."""

    cfg: ZeroConfig
    rng: np.random.Generator
    search: Search
    state: GameState
    playthrough: bool
    resign_threshold: float = -1.0
    target: int = 0
    full: bool = True
    planes: list[np.ndarray] = field(default_factory=list)
    policies: list[np.ndarray] = field(default_factory=list)
    colors: list[int] = field(default_factory=list)
    net_values: list[float] = field(default_factory=list)
    root_qs: list[float] = field(default_factory=list)
    pruned: list[float] = field(default_factory=list)
    would_resign: int = 0
    min_value: dict[int, float] = field(default_factory=lambda: {BLACK: 1.0, WHITE: 1.0})
    result: SelfPlayRecord | None = None

    def choose_budget(self) -> None:
        cfg = self.cfg
        self.full = cfg.fast_visits <= 0 or self.rng.random() < cfg.full_search_fraction
        self.target = cfg.visits if self.full else cfg.fast_visits
        noise = cfg.noise_fraction if self.full else 0.0  # no noise on cheap searches
        self.search.config = search_config(cfg, noise)

    def gather(self) -> list:
        root = self.search.set_root(self.state)
        if not root.expanded:
            return self.search.gather(1)
        budget = min(self.cfg.leaves_per_game, max(self.target - int(root.visits), 0))
        return self.search.gather(budget) if budget else []

    def after_evaluation(self, encoder) -> None:
        """Play a move if the root has its visits; finish the game when it ends."""
        self.search.ensure_noise()
        root = self.search.root
        if not root.expanded or root.visits < self.target:
            return
        q = root.q()
        to_play = self.state.to_play
        self.min_value[to_play] = min(self.min_value[to_play], q)
        if q < self.resign_threshold and \
                self.state.move_number >= self.search.config.min_pass_move:
            if not self.playthrough:
                self.finish(resigner=self.state.to_play)
                return
            self.would_resign = self.would_resign or self.state.to_play
        if self.full:
            self.planes.append(encoder.encode(self.state))
            root = self.search.root
            counts = self.search.pruned_visit_counts()
            self.pruned.append(1.0 - counts.sum() / max(root.visit_count.sum(), 1.0))
            target = np.zeros(self.state.size ** 2 + 1, dtype=np.float32)
            target[root.moves] = counts / max(counts.sum(), 1.0)
            self.policies.append(target)
            self.colors.append(self.state.to_play)
            self.net_values.append(root.value)
            self.root_qs.append(q)
        hot = self.state.move_number < self.cfg.temperature_moves
        move = self.search.choose(1.0 if hot else 0.0)
        self.state.play(move)
        self.search.advance(move)
        limit = self.cfg.max_moves_factor * self.cfg.board_size ** 2
        if self.state.is_over or self.state.move_number >= limit:
            self.finish()
        else:
            self.choose_budget()

    def finish(self, resigner: int = 0) -> None:
        score = None if resigner else tromp_taylor_score(self.state)
        winner = -resigner if resigner else (BLACK if score > 0 else WHITE)
        n = self.cfg.board_size
        colors = np.array(self.colors, dtype=np.int8)
        ownership = None
        if not resigner:
            owner = tromp_taylor_ownership(self.state).reshape(n, n)  # +1 black, -1 white
            ownership = (colors[:, None, None] * owner).astype(np.int8)  # (P, n, n)
        self.result = SelfPlayRecord(
            planes=np.stack(self.planes) if self.planes else np.zeros((0, 17, n, n), np.uint8),
            policy=np.stack(self.policies) if self.policies
            else np.zeros((0, n * n + 1), np.float32),
            value=np.where(colors == winner, 1, -1).astype(np.int8),
            moves=list(self.state.moves), winner=winner, score=score,
            resigned=bool(resigner), playthrough=self.playthrough,
            would_resign=self.would_resign, winner_min_value=self.min_value[winner],
            pruned=float(np.mean(self.pruned)) if self.pruned else 0.0, ownership=ownership,
            net_value=np.array(self.net_values, dtype=np.float32),
            root_q=np.array(self.root_qs, dtype=np.float32))


def value_calibration(values: np.ndarray, outcomes: np.ndarray, bins: int = 5) -> dict:
    """How well values v in [-1, 1] predict outcomes z = ±1: their mean squared error, and a
    reliability table over ``bins`` equal slices of [-1, 1] — per slice the count, the mean
    v and the mean z (a calibrated value net has them equal: of the positions it rates +0.6,
    80% are won) — summed into the expected calibration error Σ (n_b / N) |z̄_b − v̄_b|
    (Guo et al. 2017, "On Calibration of Modern Neural Networks", section 2)."""
    values, outcomes = np.asarray(values, np.float64), np.asarray(outcomes, np.float64)
    if len(values) == 0:
        return {"positions": 0, "mse": float("nan"), "calibration_error": float("nan"),
                "table": []}
    slot = np.clip(((values + 1.0) / 2.0 * bins).astype(int), 0, bins - 1)
    table, error = [], 0.0
    for b in range(bins):
        chosen = slot == b
        if chosen.any():
            v, z = values[chosen].mean(), outcomes[chosen].mean()
            error += chosen.sum() / len(values) * abs(z - v)
            table.append([round(-1 + 2 * b / bins, 3), int(chosen.sum()), round(float(v), 4),
                          round(float(z), 4)])
    return {"positions": len(values), "mse": float(np.mean((values - outcomes) ** 2)),
            "calibration_error": float(error), "table": table}


def search_config(cfg: ZeroConfig, noise: float) -> SearchConfig:
    min_pass = cfg.min_pass_move if cfg.min_pass_move >= 0 else cfg.board_size ** 2 // 2
    return SearchConfig(batch_size=cfg.leaves_per_game, noise_fraction=noise,
                        dirichlet_alpha=cfg.dirichlet_alpha or None,
                        resign_threshold=cfg.resign_threshold, min_pass_move=min_pass,
                        tidy_pass=cfg.tidy_pass,
                        forced_playouts=cfg.forced_playouts if noise > 0 else 0.0)


def new_game(cfg: ZeroConfig, rng: np.random.Generator,
             resign_threshold: float) -> SelfPlayGame:
    seed = int(rng.integers(2**31))
    game = SelfPlayGame(cfg, np.random.default_rng(seed),
                        Search(None, search_config(cfg, cfg.noise_fraction), seed=seed),
                        GameState(cfg.board_size, cfg.komi),
                        playthrough=bool(rng.random() < cfg.resign_playthrough),
                        resign_threshold=resign_threshold)
    game.choose_budget()
    return game


def play_games(evaluator: Evaluator, cfg: ZeroConfig, count: int, seed: int,
               on_game: Callable[[SelfPlayRecord], None],
               resign_threshold: float | None = None) -> dict[str, float]:
    """Play ``count`` games, ``cfg.parallel_games`` at a time, calling ``on_game`` as each
    ends. Every step evaluates the leaves of all active games in one ``evaluator`` call.
    Games resign below ``resign_threshold`` (default ``cfg.resign_threshold``; -1 or less:
    never). Returns the seconds spent in all, and inside the evaluator (the rest is tree
    work during which the network waits)."""
    threshold = cfg.resign_threshold if resign_threshold is None else resign_threshold
    rng = np.random.default_rng(seed)
    encoder = encoder_named("agz17")
    started = min(count, cfg.parallel_games)
    active = [new_game(cfg, rng, threshold) for _ in range(started)]
    began, net_seconds = time.perf_counter(), 0.0
    while active:
        pending = [(game, game.gather()) for game in active]
        states = [leaf.state for _, leaves in pending for _, leaf in leaves]
        if states:
            before = time.perf_counter()
            priors, values = evaluator.evaluate(states)
            net_seconds += time.perf_counter() - before
            start = 0
            for game, leaves in pending:
                end = start + len(leaves)
                game.search.finish(leaves, priors[start:end], values[start:end])
                start = end
        for game in active:
            game.after_evaluation(encoder)
        for game in [g for g in active if g.result is not None]:
            on_game(game.result)
            active.remove(game)
            if started < count:
                active.append(new_game(cfg, rng, threshold))
                started += 1
    return {"seconds": time.perf_counter() - began, "net_seconds": net_seconds}
