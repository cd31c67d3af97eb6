"""Matches: results.jsonl, SGF of every game, alternating colours, resuming, worker processes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dosaku.arena.match import (MatchConfig, MatchError, format_report, game_setups,
                                load_results, run_match)
from dosaku.io.records import game_state
from dosaku.io.sgf import read_sgf
from dosaku.rules.scoring import result_string, tromp_taylor_score


def config(folder: Path, games: int = 4, **options) -> MatchConfig:
    values = dict(black="random:seed=1", white="random", out=str(folder), games=games, size=5,
                  komi=0.5, alternate=True, parallel=0)
    values.update(options)
    return MatchConfig(**values)


def lines(folder: Path) -> list[dict]:
    return [json.loads(x) for x in (folder / "results.jsonl").read_text().splitlines()]


def test_every_game_has_a_result_line_and_an_sgf(tmp_path: Path):
    report = run_match(config(tmp_path), progress=False)
    results = lines(tmp_path)
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert report.overall.games == 4
    for r in results:
        record = read_sgf((tmp_path / "games" / r["sgf"]).read_bytes())
        assert record.result == r["result"] and record.komi == 0.5 and record.rules == "chinese"
        assert {record.black_player, record.white_player} == {"random"}
        assert all(re.search(r"\b\d+\.\d\ds", text) for n, text in record.comments.items() if n > 0)
        assert "result: " in record.comments[0]
        final = game_state(record)  # every move legal
        if r["reason"] == "score":
            assert r["result"] == result_string(tromp_taylor_score(final))
            assert final.moves[-1][1] == final.pass_move == final.moves[-2][1]
            assert r["cleanup_moves"] >= 2, "two passes end the clean-up phase too"


def test_colours_alternate_when_asked(tmp_path: Path):
    setups = game_setups(config(tmp_path, black="mcts", white="random"))
    assert [(s.black, s.white) for s in setups[:2]] == [("mcts", "random"), ("random", "mcts")]
    assert setups[0].seed != setups[1].seed
    straight = game_setups(config(tmp_path, black="mcts", white="random", alternate=False))
    assert {s.black for s in straight} == {"mcts"}


def test_a_match_resumes_and_extends(tmp_path: Path):
    run_match(config(tmp_path, games=2), progress=False)
    first = lines(tmp_path)
    with open(tmp_path / "results.jsonl", "a") as f:
        f.write('{"index": 7, "black": "torn li')  # a line cut off by a kill
    report = run_match(config(tmp_path, games=4), progress=False)
    results = lines_ok(tmp_path)
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert results[:2] == first, "finished games are not played again"
    assert report.overall.games == 4
    run_match(config(tmp_path, games=4), progress=False)
    assert len(lines_ok(tmp_path)) == 4


def lines_ok(folder: Path) -> list[dict]:
    out = []
    for text in (folder / "results.jsonl").read_text().splitlines():
        try:
            out.append(json.loads(text))
        except json.JSONDecodeError:
            pass
    return out


def test_a_folder_holds_one_match(tmp_path: Path):
    run_match(config(tmp_path, games=1), progress=False)
    with pytest.raises(MatchError, match="komi"):
        run_match(config(tmp_path, games=1, komi=7.5), progress=False)
    with pytest.raises(MatchError, match="unknown player kind"):
        run_match(config(tmp_path / "other", black="chess"), progress=False)


def test_worker_processes_play_the_same_match(tmp_path: Path):
    report = run_match(config(tmp_path, games=3, parallel=2), progress=False)
    assert sorted(load_results(tmp_path)) == [0, 1, 2]
    assert report.overall.games == 3
    assert all((tmp_path / "games" / f"game-{i:04d}.sgf").exists() for i in range(3))


def test_report_table(tmp_path: Path):
    report = run_match(config(tmp_path, games=4, size=7), progress=False)
    text = format_report(report)
    stats = report.overall
    assert stats.wins + stats.losses + stats.draws == 4
    assert report.as_black.games == report.as_white.games == 2
    for label in ("A overall", "A as black", "A as white", "95% interval", "Elo A-B",
                  "endings:"):
        assert label in text
