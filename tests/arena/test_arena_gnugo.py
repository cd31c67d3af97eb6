"""Tiny games against GNU Go: the clean-up phase, engine claims, GNU Go as referee."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dosaku.arena.game import GameSetup, run_game
from dosaku.io.records import game_state
from dosaku.io.sgf import read_sgf
from dosaku.rules.scoring import result_string, tromp_taylor_score

GNUGO = Path("/usr/games/gnugo")
if not GNUGO.exists() and shutil.which("gnugo"):
    GNUGO = Path(shutil.which("gnugo"))

pytestmark = [pytest.mark.engine,
              pytest.mark.skipif(not GNUGO.exists(), reason="GNU Go is not installed")]

GNUGO_1 = f"gtp:{GNUGO} --mode gtp --level 1 --chinese-rules"


def test_a_game_against_gnugo_is_cleaned_up_and_counted(tmp_path: Path):
    setup = GameSetup(0, GNUGO_1, "random", size=5, komi=0.5, seed=3,
                      sgf_path=str(tmp_path / "g.sgf"), move_timeout=30)
    outcome = run_game(setup)
    assert outcome.names["B"].startswith("GNU Go")
    record = read_sgf((tmp_path / "g.sgf").read_bytes())
    assert record.black_player.startswith("GNU Go") and record.result == outcome.result
    if outcome.reason == "score":
        assert outcome.claims["B"] is not None, "GNU Go says what it thinks the result is"
        assert outcome.claims["W"] is None, "the random agent has no opinion"
        final = game_state(record)
        assert outcome.result == result_string(tromp_taylor_score(final))
        assert isinstance(outcome.disagreement, bool)
    else:
        assert outcome.reason == "resign"


def test_gnugo_as_referee():
    setup = GameSetup(0, "random:seed=1", "random:seed=2", size=5, komi=0.5,
                      referee=(str(GNUGO), "--mode", "gtp", "--chinese-rules"), move_timeout=30)
    outcome = run_game(setup)
    assert outcome.referee.startswith("GNU Go")
    assert outcome.cleanup_moves == 0, "the referee counts: no clean-up phase"
    assert outcome.result[0] in "BW0" and outcome.score is not None
