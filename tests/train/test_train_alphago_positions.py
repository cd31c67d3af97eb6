"""The AlphaGo training data: whole games held out, positions replayed and encoded, symmetries
applied to planes and moves together, the stream never showing a held-out game."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch
import pytest

from dosaku.features import encoder_named
from dosaku.features.alphago import EMPTY_PLANE
from dosaku.io.records import GameRecord, SgfError
from dosaku.io.sgf import SkipStats, write_sgf
from dosaku.rules.game import GameState
from dosaku.train.alphago.config import SLConfig
from dosaku.train.alphago.positions import (PlaneSampler, PositionStream, batches,
                                            encode_positions,
                                            held_out_games, is_held_out, read_games, replay)

torch.set_num_threads(1)  # a second thread only contends on a shared 2-core machine

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "games"


def random_game(first: int, moves: int, seed: int, size: int = 19) -> GameState:
    """A legal game whose first move is ``first`` (so a position names its game)."""
    rng = np.random.default_rng(seed)
    state = GameState(size, 7.5)
    state.play(first)
    for _ in range(moves - 1):
        legal = [m for m in state.legal_moves() if m != state.pass_move]
        state.play(int(rng.choice(legal)))
    return state


def write_games(path: Path, count: int, moves: int = 30) -> list[GameState]:
    """``count`` games, one per line, gzipped; game i opens at point 40 + i."""
    games = [random_game(40 + i, moves, seed=i) for i in range(count)]
    lines = [write_sgf(g, wrap=None, result="B+R" if i % 2 else "W+2.5") for i, g in
             enumerate(games)]
    with gzip.open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    return games


class FirstMove:
    """Sampler naming the game a position comes from (its first move), for the split test."""

    def __call__(self, state, move, rng):
        return state.moves[0][1] if state.moves else move

    def collate(self, samples):
        return {"games": list(samples)}


def test_held_out_split_is_stable_and_about_the_asked_fraction():
    chosen = [is_held_out("tom.sgf.gz", i, 100) for i in range(5000)]
    assert 0.08 < np.mean(chosen) < 0.12
    assert chosen == [is_held_out("/elsewhere/tom.sgf.gz", i, 100) for i in range(5000)]
    assert not any(is_held_out("tom.sgf.gz", i, 0) for i in range(1000))


def test_stream_never_shows_a_held_out_game(tmp_path):
    path = tmp_path / "games.sgf.gz"
    write_games(path, 24, moves=12)
    cfg = SLConfig(games=(str(path),), holdout_per_mille=300, workers=0, game_buffer=4,
                   position_buffer=8, positions_per_game=12)
    held = {40 + i for i in range(24) if is_held_out(path, i, 300)}
    assert 0 < len(held) < 24
    stream = iter(PositionStream(cfg, FirstMove(), batch_size=16))
    seen = set()
    for _ in range(40):
        seen.update(next(stream)["games"])
    assert seen == {40 + i for i in range(24)} - held
    assert [r.moves[0][1] for r in held_out_games(cfg)] == sorted(held)
    assert len(held_out_games(cfg, limit=2)) == 2


def test_replay_yields_the_position_before_each_move():
    game = random_game(60, 8, seed=3)
    record = GameRecord(size=19, komi=7.5, moves=game.moves)
    seen = [(state.move_number, state.to_play, move, state.stones[move] if move < 361 else 0)
            for state, move in replay(record)]
    assert [s[0] for s in seen] == list(range(8))
    assert [(s[1], s[2]) for s in seen] == game.moves
    assert all(s[3] == 0 for s in seen)  # the expert's point is still empty


def test_replay_names_the_illegal_move():
    record = GameRecord(size=19, moves=[(1, 60), (-1, 60)], source="x.sgf", index=4)
    with pytest.raises(SgfError, match=r"x.sgf game 5: move 2: illegal"):
        list(replay(record))


def test_symmetry_moves_the_planes_and_the_move_together():
    game = random_game(45, 40, seed=5)
    record = GameRecord(size=19, komi=7.5, moves=game.moves)
    sampler = PlaneSampler("alphago48")
    rng = np.random.default_rng(0)
    identity = 0
    for state, move in replay(record):
        planes, target = sampler(state, move, rng)
        assert planes.shape == (48, 19, 19) and planes.dtype == np.uint8
        assert planes[EMPTY_PLANE].reshape(-1)[target] == 1  # the move is on an empty point
        plain = encoder_named("alphago48").encode(state)
        identity += int(np.array_equal(planes, plain) and target == move)
    assert identity < 40  # symmetries were really drawn


def test_encoded_positions_unpack_to_the_encoder_planes():
    games = [random_game(50 + i, 10, seed=i) for i in range(2)]
    records = [GameRecord(size=19, moves=g.moves, result="B+R") for g in games]
    data = encode_positions(records, "alphago48")
    assert len(data) == 20 and data.games == 2
    state, move = next(replay(records[1]))
    assert np.array_equal(data.batch(10, 11)[0], encoder_named("alphago48").encode(state))
    assert data.moves[10] == move
    assert data.values[0] == 1.0 and data.values[1] == -1.0  # Black won: +1 for Black


def test_read_games_takes_plain_and_one_per_line_files(tmp_path):
    games = write_games(tmp_path / "g.sgf.gz", 3, moves=5)
    plain = tmp_path / "one.sgf"
    plain.write_bytes(write_sgf(games[0]))  # wrapped over several lines
    assert [len(r.moves) for r in read_games(plain)] == [5]
    per_line = tmp_path / "lines.sgf"
    per_line.write_bytes(gzip.decompress((tmp_path / "g.sgf.gz").read_bytes()))
    assert len(read_games(per_line)) == 3
    assert len(read_games(tmp_path / "g.sgf.gz", limit=2)) == 2


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/games is not here")
def test_the_shared_games_have_held_out_games_that_replay():
    stats = SkipStats()
    cfg = SLConfig(games=(str(SHARED / "tygem-9d-2016-06-07.sgf.gz"),))
    games = held_out_games(cfg, limit=2, skip_stats=stats)
    assert len(games) == 2 and stats.skipped == 0
    assert all(g.size == 19 and len(list(replay(g))) == len(g.moves) > 50 for g in games)


def test_worker_processes_share_out_the_games(tmp_path):
    path = tmp_path / "games.sgf.gz"
    write_games(path, 12, moves=6)
    cfg = SLConfig(games=(str(path),), holdout_per_mille=0, workers=2, game_buffer=2,
                   position_buffer=4, positions_per_game=6)
    stream = batches(cfg, FirstMove(), batch_size=8, epoch_seed=0)
    seen = set()
    for _ in range(30):
        seen.update(next(stream)["games"])
    del stream
    assert seen == {40 + i for i in range(12)}  # odd and even games: both workers ran
