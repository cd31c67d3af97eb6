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


def test_shard_paths_select_generations(tmp_path):
    from dosaku.train.zero.buffer import shard_generation, shard_paths

    for name in ("gen0009-w0-0000.npz", "gen0010-w1-0002.npz", "gen0123-w0-0000.npz",
                 "gen0010-w0-0001.npz.tmp"):
        (tmp_path / name).touch()
    assert [shard_generation(p) for p in shard_paths(tmp_path)] == [9, 10, 123]
    assert [p.name for p in shard_paths(tmp_path, 10, 122)] == ["gen0010-w1-0002.npz"]
    assert [shard_generation(p) for p in shard_paths(tmp_path, last=10)] == [9, 10]


def test_run_totals_sum_the_chosen_generations(tmp_path):
    import json

    entries = [{"phase": "start", "generation": 0, "time": 0.0}]
    for g in (1, 2, 3):
        t = g * 360.0
        entries += [
            {"generation": g, "phase": "selfplay", "games": 10, "moves": 700 + g, "positions": 170,
             "value_mse_fresh": 0.5 + g / 10, "search_value_mse_fresh": 0.4 + g / 10,
             "time": t - 100},
            {"generation": g, "phase": "train", "steps": 20, "policy_loss": 2.0 - g / 10,
             "policy_entropy": 1.0 + g, "value_loss": 0.7, "time": t - 50},
            {"generation": g, "phase": "gnugo", "wins": g, "games": 10, "time": t}]
    (tmp_path / "metrics.jsonl").write_text("\n".join(json.dumps(e) for e in entries))
    table = dict(row.strip("| ").split(" | ") for row in
                 benchmark("zero_run_totals").totals(tmp_path, 2, 3)[2:])
    assert table["games"] == "20" and table["moves"] == "1,405"
    assert table["fresh-game search (root) value MSE, mean of first / last 10"] == \
        "0.650 / 0.650"
    assert table["optimizer steps"] == "40" and table["loop GNU Go games won"] == "5 of 20"
    assert table["running hours in the range"] == "0.20"  # from generation 1's last entry
    assert table["policy loss first → last"] == "1.800 → 1.700"


def test_run_totals_count_games_from_the_shards_and_name_unlogged_generations(tmp_path):
    """A generation resumed after a kill (before 2026-11-30) has shards but no self-play
    entry: its games and positions still count, and the moves row says what it misses."""
    import json

    record = SelfPlayRecord(planes=np.zeros((3, 17, 9, 9), np.uint8),
                            policy=np.zeros((3, 82), np.float32), value=np.ones(3, np.int8),
                            moves=[], winner=1, score=None, resigned=True, playthrough=False)
    for g in (1, 2, 3):
        write_shard(tmp_path / "shards" / f"gen{g:04d}-w0-0000.npz", [record] * 2)
    entries = []
    for g in (1, 2, 3):
        if g != 2:
            entries.append({"generation": g, "phase": "selfplay", "games": 2, "moves": 100,
                            "positions": 6, "time": g * 100.0})
        entries.append({"generation": g, "phase": "train", "steps": 5, "policy_loss": 2.0,
                        "policy_entropy": 1.0, "value_loss": 0.7, "time": g * 100.0 + 50})
    (tmp_path / "metrics.jsonl").write_text("\n".join(json.dumps(e) for e in entries))
    table = dict(row.strip("| ").split(" | ") for row in
                 benchmark("zero_run_totals").totals(tmp_path, 1, 3)[2:])
    assert table["games"] == "6" and table["recorded positions"] == "18"
    assert table["moves"] == "200 (without generation 2: resumed, no self-play entry)"
