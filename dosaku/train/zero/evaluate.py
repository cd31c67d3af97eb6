"""Evaluation (AlphaGo Zero, "Evaluator"): the new network against the previous one, and now
and then against GNU Go, by short matches played with the arena's game loop.

Both networks play through :class:`PuctAgent` with the same visits, no noise, colours
alternating. The win rate and its Elo difference go to the run's metrics; with gating the new
net must win more than 55% to replace the old one.
"""

from __future__ import annotations

from dosaku.agents.base import Agent
from dosaku.agents.net_evaluator import NetEvaluator
from dosaku.agents.puct_agent import PuctAgent, ThinkingLimits
from dosaku.agents.spec import build_agent
from dosaku.arena.game import GameSetup, play_game
from dosaku.arena.stats import MatchResult
from dosaku.nets import GoNet
from dosaku.rules.types import BLACK, WHITE
from dosaku.search.puct import SearchConfig

GNUGO_LEVEL_1 = "gtp:/usr/games/gnugo --mode gtp --level 1 --chinese-rules"


def net_agent(model: GoNet, visits: int, seed: int) -> PuctAgent:
    n = model.config.board_size
    return PuctAgent(NetEvaluator(model, symmetry="random", seed=seed),
                     SearchConfig(batch_size=8, min_pass_move=n * n // 2, tidy_pass=True),
                     ThinkingLimits(visits=visits), seed=seed, name="zero")


def match(make_a, make_b, games: int, size: int, komi: float, label_b: str = "b") -> MatchResult:
    """``games`` games of agent A (``make_a(seed)``) against B, colours alternating."""
    wins = 0.0
    for i in range(games):
        a, b = make_a(2 * i), make_b(2 * i + 1)
        a_color = BLACK if i % 2 == 0 else WHITE
        agents: dict[int, Agent] = {a_color: a, -a_color: b}
        labels = {a_color: "a", -a_color: label_b}
        setup = GameSetup(i, labels[BLACK], labels[WHITE], size=size, komi=komi)
        try:
            outcome, _, _ = play_game(agents, setup)
        finally:
            for agent in (a, b):
                close = getattr(agent, "close", None)
                if close is not None:
                    close()
        winner = {"B": BLACK, "W": WHITE}.get(outcome.winner)
        wins += 0.5 if winner is None else float(winner == a_color)
    return MatchResult(wins, games)


def new_vs_old(new: GoNet, old: GoNet, games: int, visits: int, size: int,
               komi: float) -> MatchResult:
    return match(lambda s: net_agent(new, visits, s), lambda s: net_agent(old, visits, s),
                 games, size, komi)


def versus_gnugo(model: GoNet, games: int, visits: int, size: int, komi: float) -> MatchResult:
    return match(lambda s: net_agent(model, visits, s), lambda s: build_agent(GNUGO_LEVEL_1),
                 games, size, komi, label_b="gnugo")
