"""``dosaku match`` and ``dosaku ratings`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dosaku.cli import main as cli

GNUGO_10 = "gtp:/usr/games/gnugo --mode gtp --level 10 --chinese-rules"


def test_match_prints_its_table(tmp_path: Path, capsys):
    argv = ["match", "--black", "random:seed=1", "--white", "random:seed=2", "--games", "2",
            "--size", "5", "--komi", "0.5", "--out", str(tmp_path / "m"), "--parallel", "0",
            "--quiet", "--alternate"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "2 of 2 games, 5x5, komi 0.5" in out and "A overall" in out
    assert cli.main(argv) == 0, "re-running a finished match only reports"


def test_match_with_a_bad_spec_says_why(tmp_path: Path, capsys):
    code = cli.main(["match", "--black", "mcts:nodes=1", "--white", "random",
                     "--out", str(tmp_path / "m"), "--quiet"])
    assert code == 2
    assert "unknown mcts option" in capsys.readouterr().err


def fake_match(folder: Path, black: str, white: str, black_wins: int, white_wins: int) -> None:
    folder.mkdir(parents=True)
    with open(folder / "results.jsonl", "w") as f:
        for i in range(black_wins + white_wins):
            winner = "B" if i < black_wins else "W"
            f.write(json.dumps({"index": i, "black": black, "white": white,
                                "winner": winner, "result": f"{winner}+R"}) + "\n")


def test_ratings_anchor_gnugo_level_10(tmp_path: Path, capsys):
    fake_match(tmp_path / "a", "mcts:time=1", GNUGO_10, 15, 5)
    fake_match(tmp_path / "b", "random", GNUGO_10, 0, 10)
    fake_match(tmp_path / "c", "x", "y", 3, 3)
    assert cli.main(["ratings", str(tmp_path / "a"), str(tmp_path / "b"),
                     str(tmp_path / "c")]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[1].endswith("mcts:time=1") and float(rows[1].split()[0]) > 0
    anchor = next(r for r in rows if r.endswith(GNUGO_10))
    assert anchor.split()[:2] == ["+0", "0"]
    assert any("relative to" in r for r in rows if r.endswith(")")), "x and y never met gnugo"


def test_ratings_of_a_folder_without_results(tmp_path: Path, capsys):
    assert cli.main(["ratings", str(tmp_path)]) == 2
    assert "no results.jsonl" in capsys.readouterr().err


def test_ratings_plot(tmp_path: Path, capsys):
    pytest.importorskip("matplotlib")
    fake_match(tmp_path / "a", "mcts:time=1", GNUGO_10, 6, 4)
    assert cli.main(["ratings", str(tmp_path / "a"), "--plot", str(tmp_path / "r.png")]) == 0
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
