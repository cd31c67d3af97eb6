"""GNU Go as a referee for scoring: finished games, dead stones and all.

GNU Go plays both sides of short 9×9 games to two passes (its own dead-stone analysis is good
in such settled positions). dosaku then scores the same final position under Chinese rules with
its estimated dead stones, and must agree with GNU Go's ``final_score`` and with its list of
dead stones. Under Tromp-Taylor dosaku scores the board as it stands, so it must agree with the
plain area count that the pure-Python reference makes.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from dosaku.rules.coords import from_gtp
from dosaku.rules.game import GameState
from dosaku.rules.reference import ReferenceGame
from dosaku.rules.ruleset import CHINESE, TROMP_TAYLOR
from dosaku.rules.scoring import final_score, final_status, result_string

GNUGO = Path("/usr/games/gnugo")
pytestmark = [pytest.mark.engine,
              pytest.mark.skipif(not GNUGO.exists(), reason="GNU Go is not installed")]


def benchmark_module():
    """benchmarks/scoring.py, which plays the GNU Go games (shared with its agreement table)."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "scoring.py"
    spec = importlib.util.spec_from_file_location("benchmark_scoring", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [2, 9, 12, 15, 16, 17])
def test_final_score_and_dead_stones_agree_with_gnugo(seed):
    games = benchmark_module()
    moves, gnugo_score, gnugo_dead = games.gnugo_self_play(seed)
    assert gnugo_dead  # these seeds leave dead stones on the board
    state = games.final_position(moves)
    assert state.ruleset == CHINESE
    assert set(final_status(state)["dead"]) == gnugo_dead, str(state)
    assert result_string(final_score(state)) == gnugo_score.replace(".0", ""), str(state)
    as_it_stands = GameState(9, komi=7.5, ruleset=TROMP_TAYLOR)
    ref = ReferenceGame(9, komi=7.5)
    for color, vertex in moves:
        as_it_stands.play(from_gtp(vertex, 9), 1 if color == "black" else -1)
    ref.grid = [int(v) for v in as_it_stands.stones]
    black, white = ref.area()
    assert final_score(as_it_stands) == black - white - 7.5
