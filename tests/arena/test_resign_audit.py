"""benchmarks/resign_audit.py: which resignations a referee engine agrees were behind."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GNUGO = Path("/usr/games/gnugo")


def audit_module():
    spec = importlib.util.spec_from_file_location("resign_audit",
                                                  ROOT / "benchmarks" / "resign_audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def match_folder(tmp_path: Path) -> Path:
    """Three 9x9 games of `zero` after a single black stone: game 0 zero (Black) resigned,
    game 1 zero (White) resigned, game 2 zero won by resignation of the other side."""
    (tmp_path / "games").mkdir()
    sgf = b"(;FF[4]GM[1]SZ[9]KM[7.5]RU[chinese];B[ee])"
    rows = [("zero:a", "mcts", "W"), ("mcts", "zero:a", "B"), ("zero:a", "mcts", "B")]
    lines = []
    for i, (black, white, winner) in enumerate(rows):
        (tmp_path / "games" / f"game-{i}.sgf").write_bytes(sgf)
        lines.append(json.dumps({"index": i, "black": black, "white": white, "winner": winner,
                                 "reason": "resign", "sgf": f"game-{i}.sgf"}))
    (tmp_path / "results.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_only_the_players_own_resignations_are_audited(tmp_path):
    games = audit_module().resigned_games(match_folder(tmp_path), "zero")
    assert [(g["index"], g["side"]) for g in games] == [(0, "B"), (1, "W")]


def test_a_player_prefix_that_names_no_side_or_both_is_refused(tmp_path):
    folder = match_folder(tmp_path)
    with pytest.raises(ValueError, match="game 0: neither"):
        audit_module().resigned_games(folder, "puct")
    with pytest.raises(ValueError, match="game 0: both"):
        audit_module().resigned_games(folder, "")


@pytest.mark.skipif(not GNUGO.exists(), reason="GNU Go not installed (apt-get install gnugo)")
def test_the_referee_judges_each_resignation(tmp_path):
    """One black stone in the centre against 7.5 komi: GNU Go gives the board to Black, so
    Black resigning there was wrong and White resigning was right."""
    rows = audit_module().audit(match_folder(tmp_path), "zero", f"{GNUGO} --mode gtp")
    assert rows[2].startswith("| 0 | B | 1 | B+") and rows[2].endswith("| **no** |")
    assert rows[3].startswith("| 1 | W | 1 | B+") and rows[3].endswith("| yes |")
    assert rows[-1].endswith("1 of 2 resignations were behind by the referee's count.")
