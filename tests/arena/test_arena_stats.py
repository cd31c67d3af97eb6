"""Wilson intervals, Elo differences and Bradley-Terry ratings."""

from __future__ import annotations

import math
import random

import pytest

from dosaku.arena.stats import (MatchStats, bradley_terry, elo_difference, is_gnugo_level_10,
                                wilson_interval)

GNUGO_10 = "gtp:/usr/games/gnugo --mode gtp --level 10 --chinese-rules"


def test_wilson_interval_known_values():
    low, high = wilson_interval(7, 10)
    assert low == pytest.approx(0.3968, abs=1e-4) and high == pytest.approx(0.8922, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(50, 100) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_elo_difference():
    assert elo_difference(0.5) == 0
    assert elo_difference(0.75) == pytest.approx(190.85, abs=0.01)
    assert elo_difference(1.0) == math.inf and elo_difference(0.0) == -math.inf


def test_match_stats_count_draws_as_half():
    stats = MatchStats(wins=6, losses=2, draws=2)
    assert stats.games == 10 and stats.score == 7 and stats.rate == 0.7
    low, high = stats.elo_interval
    assert low < stats.elo < high
    sweep = MatchStats(10, 0, 0)
    assert sweep.elo == math.inf and math.isfinite(sweep.elo_interval[0])


@pytest.mark.parametrize("spec, expected", [
    (GNUGO_10, True), ("gtp:gnugo --mode gtp", True), ("gtp:gnugo --level=10", True),
    ("gtp:/usr/games/gnugo --mode gtp --level 1", False), ("mcts:playouts=10", False),
    ("gtp:pachi -t 1", False)])
def test_gnugo_level_10_is_recognised(spec, expected):
    assert is_gnugo_level_10(spec) == expected


def simulated_games(true: dict[str, float], games: int, seed: int = 0):
    rng = random.Random(seed)
    players = list(true)
    for _ in range(games):
        a, b = rng.sample(players, 2)
        expected = 1 / (1 + 10 ** ((true[b] - true[a]) / 400))
        yield a, b, 1.0 if rng.random() < expected else 0.0


def test_bradley_terry_recovers_ratings_anchored_at_gnugo_10():
    true = {GNUGO_10: 0.0, "strong": 300.0, "weak": -200.0}
    ratings = {r.player: r for r in bradley_terry(simulated_games(true, 3000))}
    assert ratings[GNUGO_10].elo == 0 and ratings[GNUGO_10].error == 0
    for name in ("strong", "weak"):
        r = ratings[name]
        assert abs(r.elo - true[name]) < max(3 * r.error / 1.96, 30)
        assert r.anchor == GNUGO_10


def test_a_clean_sweep_stays_finite_and_groups_are_anchored_apart():
    games = [("a", "b", 1.0)] * 5 + [("c", "d", 0.5)] * 4 + [("a", "a", 1.0)]
    ratings = {r.player: r for r in bradley_terry(games)}
    assert 0 < ratings["a"].elo - ratings["b"].elo < 1000
    assert ratings["a"].anchor != ratings["c"].anchor
    assert ratings["c"].elo == pytest.approx(ratings["d"].elo, abs=1e-6)
    assert ratings["a"].games == 5, "games against oneself are ignored"
