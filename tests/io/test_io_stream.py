"""Streaming games from files (dosaku.io.sgf.iter_games): gz one-per-line, collections, skips."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from dosaku.io import SgfError, SkipStats, game_state, iter_games, write_sgf
from dosaku.rules.game import GameState

DATA = Path(__file__).parents[1] / "data"
GAMES = Path(__file__).parents[2].parent / "shared" / "data" / "games"
TOM = GAMES / "tom-9d-2003-2011.sgf.gz"

GOOD = "(;GM[1]FF[4]SZ[9]KM[7];B[ee];W[cc])"
ILLEGAL = "(;GM[1]FF[4]SZ[9]KM[7];B[ee];W[cc];B[cc])"  # move 3, B C7, is on a white stone
BROKEN = "(;GM[1]FF[4]SZ[9]KM[7];B[ee];W[cc"


def write_lines(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def test_gz_lines_are_games_located_by_line(tmp_path):
    path = write_lines(tmp_path / "games.sgf.gz", [GOOD, "", GOOD.replace("9", "13")])
    records = list(iter_games(path))
    assert [(r.index, r.line, r.size) for r in records] == [(0, 1, 9), (1, 3, 13)]
    assert all(r.source == str(path) for r in records)


def test_raise_mode_names_file_game_line_and_move(tmp_path):
    path = write_lines(tmp_path / "tom.sgf.gz", [GOOD, GOOD, ILLEGAL])
    with pytest.raises(SgfError) as info:
        for _ in iter_games(path, check_legal=True):
            pass
    assert str(info.value) == f"{path} game 3 (line 3): move 3 (B C7): illegal: occupied"


def test_raise_mode_names_malformed_games(tmp_path):
    path = write_lines(tmp_path / "tom.sgf.gz", [GOOD, BROKEN, GOOD])
    with pytest.raises(SgfError, match=r"tom\.sgf\.gz game 2 \(line 2\): malformed SGF"):
        list(iter_games(path))


def test_skip_mode_counts_every_bad_game(tmp_path):
    lines = [GOOD, BROKEN, ILLEGAL, GOOD, "not sgf at all", GOOD]
    path = write_lines(tmp_path / "mixed.sgf.gz", lines)
    stats = SkipStats(keep=2)
    records = list(iter_games(path, on_error="skip", skip_stats=stats, check_legal=True))
    assert [r.line for r in records] == [1, 4, 6]
    assert (stats.read, stats.skipped) == (3, 3)
    assert len(stats.reasons) == 2
    assert stats.reasons[0].startswith(f"{path} game 2 (line 2): malformed SGF")
    assert "game 3 (line 3): move 3 (B C7): illegal: occupied" in stats.reasons[1]
    assert str(stats).startswith("skipped 3 of 6 games; first: ")


def test_illegal_games_pass_unless_checked(tmp_path):
    path = write_lines(tmp_path / "g.sgf.gz", [ILLEGAL])
    assert len(list(iter_games(path))) == 1


def test_skip_mode_requires_a_counter_and_arguments_are_checked_at_the_call(tmp_path):
    with pytest.raises(ValueError, match="SkipStats"):
        iter_games(tmp_path / "absent.sgf.gz", on_error="skip")
    with pytest.raises(ValueError, match="on_error"):
        iter_games(tmp_path / "absent.sgf.gz", on_error="ignore")


def test_gz_files_are_streamed_not_loaded(tmp_path):
    # A gzip file cut short fails only when the reader reaches the cut: games before it read.
    path = write_lines(tmp_path / "long.sgf.gz", [GOOD] * 2000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    games = iter_games(path)
    assert [next(games).line for _ in range(3)] == [1, 2, 3]
    with pytest.raises(EOFError):
        list(games)


def test_collection_file_with_bad_games(tmp_path):
    stats = SkipStats()
    records = list(iter_games(DATA / "collection.sgf", "skip", stats, check_legal=True))
    assert [(r.index, r.line, r.size) for r in records] == [(0, 1, 9), (3, 4, 13)]
    assert stats.skipped == 2
    assert "collection.sgf game 2 (line 2): move 2 (W E5): illegal: occupied" in stats.reasons[0]
    assert "collection.sgf game 3 (line 3): move 2 (W[zz])" in stats.reasons[1]


def test_single_file_and_written_games_stream(tmp_path):
    state = GameState(5, 0.5)
    state.play(12)
    path = tmp_path / "one.sgf"
    path.write_bytes(write_sgf(state, comments={1: "first\nline two"}))
    (record,) = iter_games(path)
    assert record.moves == ((1, 12),) and record.comments == {1: "first\nline two"}


def test_file_without_sgf_raises_even_when_skipping(tmp_path):
    path = tmp_path / "empty.sgf"
    path.write_text("nothing here\n")
    with pytest.raises(SgfError, match="empty.sgf game 1: no SGF data found"):
        list(iter_games(path, "skip", SkipStats()))


@pytest.mark.skipif(not TOM.exists(), reason=f"game archive not present at {TOM}")
def test_first_200_tom_games_replay_legally():
    stats = SkipStats()
    games = iter_games(TOM, on_error="skip", skip_stats=stats)
    records = [next(games) for _ in range(200)]
    games.close()
    assert stats.skipped == 0, str(stats)
    assert [r.line for r in records] == list(range(1, 201))
    assert all(r.size == 19 and r.moves for r in records)
    for record in records:
        state = game_state(record)
        assert state.move_number == len(record.moves)
        assert state.consistency_error() == 0
