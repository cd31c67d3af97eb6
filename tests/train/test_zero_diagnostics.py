"""The Zero diagnostics in benchmarks/ read stones from agz17 planes: they must count what is
on the board (a first version read plane 8, four moves back, as the opponent's stones)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from dosaku.features import encoder_named
from dosaku.rules.game import GameState
from dosaku.train.zero.buffer import write_shard
from dosaku.train.zero.selfplay import SelfPlayRecord

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def benchmark(name: str):
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def played(moves: list[int]) -> list[GameState]:
    """The position before each move and after the last, 9×9."""
    state, states = GameState(9, 7.5), []
    for move in moves:
        states.append(state.copy())
        state.play(move)
    return states + [state]


def stones(state: GameState) -> int:
    return int(np.count_nonzero(state.board))


MOVES = [40, 0, 1, 80, 9, 12, 30, 50, 20, 21, 60, 61, 70, 10]  # Black's 9 captures at 0


def test_value_by_stage_counts_the_stones_on_the_board():
    encoder = encoder_named("agz17")
    states = played(MOVES)
    planes = np.stack([encoder.encode(s) for s in states])
    counted = benchmark("zero_value_by_stage").stones_on_board(planes)
    assert list(counted) == [stones(s) for s in states]
    assert stones(states[5]) == 4  # five moves, one capture


def test_openings_reads_black_first_move_from_shards(tmp_path):
    encoder = encoder_named("agz17")
    openings = benchmark("zero_openings")
    records = []
    for first in (40, 12, 14, 0):  # centre, second line twice, edge
        states = played([first, 30, 31])
        planes = np.stack([encoder.encode(s) for s in states])
        records.append(SelfPlayRecord(
            planes=planes, policy=np.zeros((len(planes), 82), np.float32),
            value=np.ones(len(planes), np.int8), moves=[], winner=1, score=None,
            resigned=True, playthrough=False))
    write_shard(tmp_path / "gen0003-w0-0000.npz", records)
    write_shard(tmp_path / "gen0009-w0-0000.npz", records[:1])
    total, counts = openings.first_move_lines(tmp_path, 1, 5)
    assert total == 4 and list(counts) == [1, 2, 0, 0, 1]
    total, counts = openings.first_move_lines(tmp_path, 6, 10)
    assert total == 1 and list(counts) == [0, 0, 0, 0, 1]
