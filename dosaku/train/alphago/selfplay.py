"""Batched games between policy networks: the self-play of AlphaGo's RL and value stages.

Silver et al. 2016, Methods "Reinforcement learning of policy networks" and "Reinforcement
learning of value networks": games are played by *sampling* each move from a policy net's
distribution, many games at once, so that one forward pass serves every game whose side to
move is played by the same net.

Terms used here:

- a **player** is a :class:`PolicyPlayer` (a policy net that samples moves) or ``None``, which
  plays a uniformly random candidate (the value stage's move U);
- the **candidates** of a position are its legal moves minus those that fill the mover's own
  eye (:func:`dosaku.rules.board.is_eye`, the playout rule), with the pass allowed only from
  ``min_pass_move`` on or when nothing else is left. A 19x19 policy net trained on human games
  rarely passes at the right time; without these rules sampled games either pass away
  unsettled boards or fill their own eyes until everything dies;
- the **cleanup** of a finished game (two passes, or ``max_moves`` reached): ``cleanup_playouts``
  light random playouts (no eye filling, to two passes) from the final position, each scored
  by Tromp-Taylor; the game's winner is the majority's. On a settled board a playout only
  fills the neutral points and captures dead stones, so this is the area count after dead
  stones are removed; on an unsettled board (a capped game) it is the Monte-Carlo estimate
  of its result. The outcome is +1 for a Black win, -1 for a White win (komi 7.5: no draws).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from numba import njit

from dosaku.features import encoder_named
from dosaku.nets import GoNet
from dosaku.rules.board import is_eye
from dosaku.rules.game import GameState
from dosaku.rules.playout import new_rng, run_playouts
from dosaku.rules.types import BLACK


@njit(cache=True)
def own_eyes(stones, nbr, diag, color, out):
    """Mark in ``out`` (bool, n*n + 1) the points that are ``color``'s own eyes."""
    for p in range(stones.shape[0]):
        out[p] = is_eye(stones, nbr, diag, p, color)
    out[stones.shape[0]] = False
    return out


def candidate_mask(state: GameState, min_pass_move: int) -> np.ndarray:
    """bool (n*n + 1): the moves a sampled game may play in ``state`` (module docstring)."""
    legal = state.legal_mask().copy()
    eyes = own_eyes(state.stones, state.nbr, state.diag, state.to_play,
                    np.empty_like(legal))
    mask = legal & ~eyes
    points = mask[:-1].any()
    mask[-1] = (state.move_number >= min_pass_move) or not points
    return mask


@dataclass
class Choice:
    """What a player chose for a batch of positions, with what it saw (the RL update needs
    the planes, the candidates and the move)."""

    moves: np.ndarray
    """int64 (B,): the sampled moves (flat index; pass = n*n)."""
    planes: np.ndarray | None
    """uint8 (B, C, n, n): the net's input planes (None for the random player)."""
    masks: np.ndarray
    """bool (B, n*n + 1): the candidates the move was drawn from."""


class PolicyPlayer:
    """A policy net that samples moves ∝ π(a|s)^(1/temperature) over the candidates.

    ``temperature`` 1 is the paper's sampling; 0 plays the most probable candidate.
    ``sampler``: a faster copy of ``model`` (:func:`dosaku.nets.inference.quantize`'s int8)
    that computes the sampling logits instead; ``model`` stays the net that is trained.
    """

    def __init__(self, model: GoNet, temperature: float = 1.0, name: str = "policy",
                 sampler: torch.nn.Module | None = None):
        if model.policy_head is None:
            raise ValueError(f"{name}: the model has a {model.config.head} head, no policy")
        self.model = model
        self.sampler = sampler
        self.encoder = encoder_named(model.config.encoder)
        self.temperature = temperature
        self.name = name

    def logits(self, planes: np.ndarray) -> torch.Tensor:
        """Policy logits (B, n*n + 1) of uint8 planes (B, C, n, n), without gradients."""
        net = self.sampler if self.sampler is not None else self.model
        net.eval()
        with torch.inference_mode():
            return net(torch.from_numpy(planes).float()).policy

    def choose(self, states: Sequence[GameState], masks: np.ndarray,
               rng: np.random.Generator) -> Choice:
        n = states[0].size
        planes = np.empty((len(states), self.encoder.planes, n, n), dtype=np.uint8)
        self.encoder.encode_batch(states, out=planes)
        logits = self.logits(planes).double().numpy()  # (B, n*n+1)
        return Choice(sample(logits, masks, self.temperature, rng), planes, masks)


def sample(logits: np.ndarray, masks: np.ndarray, temperature: float,
           rng: np.random.Generator) -> np.ndarray:
    """One move per row of ``logits`` among the row's ``masks``: softmax(logits/T) sampling,
    argmax at T = 0."""
    masked = np.where(masks, logits, -np.inf)
    if temperature <= 1e-6:
        return masked.argmax(axis=1)
    z = masked / temperature
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random((len(p), 1))
    return np.minimum((p.cumsum(axis=1) < u).sum(axis=1), p.shape[1] - 1)


def random_choice(masks: np.ndarray, rng: np.random.Generator) -> Choice:
    """A uniformly random candidate per row."""
    moves = np.array([rng.choice(np.flatnonzero(m)) for m in masks], dtype=np.int64)
    return Choice(moves, None, masks)


Mover = Callable[[int, GameState], "PolicyPlayer | None"]
"""Who plays the next move of game ``g`` in ``state``: a player, or None for a random move."""

OnChoice = Callable[[list[int], "PolicyPlayer | None", Choice], None]
"""Called with the games, the player and its choice before the moves are played."""


def play_games(states: list[GameState], mover: Mover, rng: np.random.Generator,
               max_moves: int, min_pass_move: int, on_choice: OnChoice | None = None,
               after_move: Callable[[int, GameState], None] | None = None,
               progress: Callable[[int], None] | None = None) -> None:
    """Play every game of ``states`` (changed in place) until it ends or reaches
    ``max_moves``. At each ply the games are grouped by their mover, and each player chooses
    for its group in one batch; ``after_move(g, state)`` sees each game after each move;
    ``progress(k)`` is told of ``k`` moves played."""
    while True:
        active = [g for g, s in enumerate(states)
                  if not s.is_over and s.move_number < max_moves]
        if not active:
            return
        groups: dict[int, tuple[PolicyPlayer | None, list[int]]] = {}
        for g in active:
            player = mover(g, states[g])
            groups.setdefault(id(player), (player, []))[1].append(g)
        for player, games in groups.values():
            batch = [states[g] for g in games]
            masks = np.stack([candidate_mask(s, min_pass_move) for s in batch])
            choice = (player.choose(batch, masks, rng) if player is not None
                      else random_choice(masks, rng))
            if on_choice is not None:
                on_choice(games, player, choice)
            for g, move in zip(games, choice.moves):
                states[g].play(int(move))
                if after_move is not None:
                    after_move(g, states[g])
        if progress is not None:
            progress(len(active))


def cleanup_outcome(state: GameState, playouts: int, seed: int) -> int:
    """+1 if Black wins ``state`` after the cleanup playouts (module docstring), -1 if White."""
    nn = state.size * state.size
    scores = np.empty(playouts)
    ko = state.ko_point if state.ko_color == state.to_play else -1
    run_playouts(state.stones, state.chain, state.ckey, state.nbr, state.diag, state.zkeys,
                 state.to_play, ko, state.komi, playouts, 3 * nn, new_rng(seed), scores,
                 np.empty(nn))
    black_wins = int((scores > 0).sum())
    return BLACK if 2 * black_wins > playouts else -BLACK


def outcomes(states: Sequence[GameState], playouts: int, rng: np.random.Generator
             ) -> np.ndarray:
    """int (G,): each game's outcome for Black (:func:`cleanup_outcome`)."""
    return np.array([cleanup_outcome(s, playouts, int(rng.integers(2**31))) for s in states],
                    dtype=np.int64)


def match_win_rate(first: PolicyPlayer, second: PolicyPlayer, games: int, size: int,
                   komi: float, max_moves: int, min_pass_move: int, cleanup_playouts: int,
                   rng: np.random.Generator, progress: Callable[[int], None] | None = None
                   ) -> tuple[int, int]:
    """(wins of ``first``, games) over ``games`` sampled games against ``second``, ``first``
    taking Black in the even-numbered games (the paper's RL-vs-SL comparison)."""
    states = [GameState(size, komi) for _ in range(games)]
    first_color = [BLACK if g % 2 == 0 else -BLACK for g in range(games)]

    def mover(g: int, state: GameState) -> PolicyPlayer:
        return first if state.to_play == first_color[g] else second

    play_games(states, mover, rng, max_moves, min_pass_move, progress=progress)
    results = outcomes(states, cleanup_playouts, rng)
    wins = int(sum(r == c for r, c in zip(results, first_color)))
    return wins, games


def sampled_positions(player: PolicyPlayer, size: int, komi: float, rng: np.random.Generator,
                      games: int = 8, moves: int = 240, keep: int = 256) -> np.ndarray:
    """uint8 planes of ``keep`` positions spread over ``games`` of ``player``'s own sampled
    games of ``moves`` moves: the positions it will meet, on any board, with no data set."""
    seen: list[np.ndarray] = []
    play_games([GameState(size, komi) for _ in range(games)], lambda g, s: player, rng,
               moves, moves, on_choice=lambda g, p, choice: seen.append(choice.planes))
    return spread([position for batch in seen for position in batch], keep)


def spread(planes: Sequence[np.ndarray], keep: int) -> np.ndarray:
    """``keep`` of ``planes`` (positions, or batches' rows) at even intervals, stacked (all
    of them if fewer); only the kept ones are copied."""
    index = np.linspace(0, len(planes) - 1, min(keep, len(planes))).astype(int)
    return np.stack([planes[i] for i in index])


def int8_sampler(player: PolicyPlayer, planes: np.ndarray) -> PolicyPlayer:
    """``player`` with an int8 copy of its net as the sampler (:mod:`dosaku.nets.inference`),
    calibrated on ``planes``; ``player.model`` stays the fp32 net (the one trained)."""
    from dosaku.nets.inference import quantize

    sampler = quantize(player.model, "int8", torch.from_numpy(planes).float())
    return PolicyPlayer(player.model, player.temperature, player.name, sampler)


def with_int8_sampler(player: PolicyPlayer, size: int, komi: float, rng: np.random.Generator,
                      games: int = 8, moves: int = 240, keep: int = 256) -> PolicyPlayer:
    """``player`` with an int8 sampler calibrated on its own games (:func:`sampled_positions`)."""
    return int8_sampler(player, sampled_positions(player, size, komi, rng, games, moves, keep))
