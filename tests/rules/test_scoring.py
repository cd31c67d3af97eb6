"""Scoring on diagrams: Tromp-Taylor, area and territory with dead stones and seki, Benson."""

import numpy as np
import pytest

from dosaku.rules.coords import from_gtp
from dosaku.rules.game import GameState
from dosaku.rules.handicap import fixed_handicap, max_fixed_handicap
from dosaku.rules.ruleset import CHINESE, JAPANESE, TROMP_TAYLOR
from dosaku.rules.scoring import (area_score, benson_alive, final_score, final_status,
                                  result_string, territory_score, tromp_taylor_score)
from dosaku.rules.types import BLACK, WHITE

SPLIT = """
    . X O . .
    X X O . .
    . X O O O
    X X O . O
    . X O O .
"""

# A white stone dead inside black's area, black's wall alive with two eyes.
DEAD_INSIDE = """
    . X . . X O . O .
    X X X X X O O O O
    . . . . X O . . .
    . . O . X O . . .
    . . . . X O . . .
    X X X X X O . . .
    . . . . X O . . .
    X X X X X O . . .
    . X . . X O . . .
"""


def test_tromp_taylor_counts_the_board_as_it_stands():
    s = GameState.from_diagram(SPLIT, komi=0.5)
    # black: 7 stones + A5 A3 A1; white: 9 stones + 4 + D2 + E1
    assert tromp_taylor_score(s) == 10 - 15 - 0.5
    assert result_string(tromp_taylor_score(s)) == "W+5.5"
    assert result_string(0.0) == "0" and result_string(2.0) == "B+2"


def test_empty_board_is_nobodys():
    s = GameState(9, komi=7.5)
    assert tromp_taylor_score(s) == -7.5
    assert final_score(s) == -7.5


def test_dead_stone_is_found_and_removed_under_chinese_not_tromp_taylor():
    s = GameState.from_diagram(DEAD_INSIDE, komi=0)
    status = final_status(s)
    assert status["dead"] == [from_gtp("C6", 9)]
    assert from_gtp("A9", 9) not in status["alive"]  # empty points carry no status
    dead = np.zeros(81, dtype=bool)
    dead[from_gtp("C6", 9)] = True
    # black: 45 points left of column F once C6 is gone; white: 36
    assert area_score(s, dead) == 45 - 36
    assert final_score(s) == 45 - 36
    tt = GameState.from_diagram(DEAD_INSIDE, komi=0, ruleset=TROMP_TAYLOR)
    # as it stands the white stone is alive and black's left side is no one's
    assert final_score(tt) == tromp_taylor_score(tt) < 45 - 36
    assert final_status(tt)["dead"] == []


def test_territory_scoring_counts_prisoners_and_dead_stones():
    s = GameState.from_diagram(DEAD_INSIDE, komi=0, ruleset=JAPANESE)
    s.prisoners[BLACK] = 2
    s.prisoners[WHITE] = 1
    # black territory: 45 - 22 stones = 23 (C6 included once removed), +2 prisoners +1 dead
    black_stones = int(np.count_nonzero(s.stones == BLACK))
    white_stones = int(np.count_nonzero(s.stones == WHITE)) - 1
    assert final_score(s) == (45 - black_stones + 2 + 1) - (36 - white_stones + 1)


def test_seki_points_count_under_area_but_not_territory():
    # White's C1 eye is next to a chain marked in seki: no territory under Japanese rules,
    # one point for white under Chinese counting.
    diagram = """
        X X X X X
        X X X X X
        O O O X X
        O . O X X
        O O O X X
    """.replace("X X X X X\n        X X X X X", ". X . X X\n        X X X X X")
    s = GameState.from_diagram(diagram, komi=0, ruleset=JAPANESE)
    seki = np.zeros(25, dtype=bool)
    seki[[p for p in range(25) if s.stones[p] == WHITE]] = True
    none = np.zeros(25, dtype=bool)
    assert territory_score(s, none, None) - territory_score(s, none, seki) == -1
    assert area_score(s, none) == (25 - 9) - 9


def test_benson_two_eyes_alive_one_eye_not():
    s = GameState.from_diagram("""
        . X . X O
        X X X X O
        O O O O O
        . O . . .
        . O . . .
    """)
    alive = benson_alive(s)
    assert alive[from_gtp("B4", 5)] and alive[from_gtp("A4", 5)]
    assert not alive[from_gtp("E5", 5)]  # white has one big region: not unconditional


@pytest.mark.parametrize("size,n,expected", [
    (19, 2, ["D4", "Q16"]), (19, 4, ["D4", "Q16", "D16", "Q4"]),
    (19, 9, ["D4", "Q16", "D16", "Q4", "D10", "Q10", "K4", "K16", "K10"]),
    (9, 5, ["C3", "G7", "C7", "G3", "E5"]), (13, 6, ["D4", "K10", "D10", "K4", "D7", "K7"]),
])
def test_fixed_handicap_points(size, n, expected):
    assert [from_gtp(v, size) for v in expected] == fixed_handicap(size, n)


def test_handicap_limits():
    assert [max_fixed_handicap(n) for n in (5, 7, 8, 9, 10, 19)] == [0, 4, 4, 9, 4, 9]
    with pytest.raises(ValueError):
        fixed_handicap(9, 10)
    with pytest.raises(ValueError):
        fixed_handicap(19, 1)


def test_chinese_rules_scoring_is_area():
    assert CHINESE.scoring == "area" and JAPANESE.scoring == "territory"
