"""KataGo's ownership target in the AlphaGo Zero loop (Wu 2019, section 4.1): recorded by
self-play from the final board, stored in the shards, turned with the planes, trained with a
weight, and absent (masked) wherever a game or a shard has none."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from dosaku.features import encoder_named
from dosaku.nets import create_model, load_model
from dosaku.rules.game import GameState
from dosaku.rules.types import BLACK, WHITE
from dosaku.search.evaluator import UniformEvaluator
from dosaku.train.zero.buffer import ReplayWindow, write_shard
from dosaku.train.zero.config import load_config
from dosaku.train.zero.loop import RunFolder, run_zero
from dosaku.train.zero.selfplay import new_game, play_games
from dosaku.train.zero.trainer import Trainer

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
TINY = load_config(ROOT / "configs" / "zero_tiny.toml")
OWNERSHIP = dataclasses.replace(TINY, ownership_weight=1.5)

FINAL = """
    . X . O .
    X X O O .
    . X O . .
    X X O . .
    . X O . .
"""
# Tromp-Taylor owners from Black's side: A5, A3, A1 reach only black; C5 touches X and O
# (dame); the right-hand region reaches only white. Black 10 points, White 14, dame 1.
FINAL_OWNER_FOR_BLACK = np.array([
    [+1, +1, 0, -1, -1],
    [+1, +1, -1, -1, -1],
    [+1, +1, -1, -1, -1],
    [+1, +1, -1, -1, -1],
    [+1, +1, -1, -1, -1],
], dtype=np.int8)


def finished_game(resigner: int = 0):
    """A self-play game ending on FINAL with two records, Black then White to move."""
    game = new_game(TINY, np.random.default_rng(0), -1.0)
    game.state = GameState.from_diagram(FINAL, komi=TINY.komi)
    encoder = encoder_named("agz17")
    for color in (BLACK, WHITE):
        game.state.to_play = color
        game.planes.append(encoder.encode(game.state))
        game.policies.append(np.full(26, 1 / 26, dtype=np.float32))
        game.colors.append(color)
    game.finish(resigner)
    return game.result


def records(cfg=TINY, count=3, seed=0):
    out = []
    play_games(UniformEvaluator(), cfg, count, seed, out.append)
    return out


def test_ownership_is_the_final_board_from_each_side_to_move():
    record = finished_game()
    assert record.score == 10 - 14 - TINY.komi and record.winner == WHITE
    assert record.ownership.dtype == np.int8 and record.ownership.shape == (2, 5, 5)
    assert np.array_equal(record.ownership[0], FINAL_OWNER_FOR_BLACK)  # Black to move
    assert np.array_equal(record.ownership[1], -FINAL_OWNER_FOR_BLACK)  # White to move
    assert list(record.value) == [-1, 1]


def test_a_resigned_game_has_no_ownership_target():
    record = finished_game(resigner=BLACK)
    assert record.resigned and record.ownership is None and list(record.value) == [-1, 1]


def test_played_games_own_their_score():
    """Every record of a played-out game sees one final board: turned back to Black's side
    they agree, and Black's points minus White's minus komi is the game's score."""
    for g in records():
        assert not g.resigned
        to_play = np.where(g.planes[:, 16, 0, 0] == 1, BLACK, WHITE)
        for_black = g.ownership * to_play[:, None, None]
        assert (for_black == for_black[0]).all()
        assert for_black[0].sum() - TINY.komi == pytest.approx(g.score)


def test_shards_keep_the_targets_and_mask_resigned_games(tmp_path):
    played, resigned = finished_game(), finished_game(resigner=WHITE)
    write_shard(tmp_path / "gen0001-0000.npz", [played, resigned])
    window = ReplayWindow.load(tmp_path, 10)
    assert window.ownership.dtype == np.int8
    assert list(window.has_ownership) == [True, True, False, False]
    assert np.array_equal(window.ownership[:2], played.ownership)
    assert not window.ownership[2:].any()


def write_old_shard(path: Path, games: list) -> None:
    """A shard as written before ownership was recorded: no ownership arrays."""
    np.savez_compressed(path, planes=np.concatenate([r.planes for r in games]),
                        policy=np.concatenate([r.policy for r in games]).astype(np.float16),
                        value=np.concatenate([r.value for r in games]),
                        games=np.array(len(games)))


def test_old_shards_load_masked_and_train(tmp_path):
    old = records(count=2)
    write_old_shard(tmp_path / "gen0001-0000.npz", old)
    write_shard(tmp_path / "gen0002-0000.npz", [finished_game()])
    window = ReplayWindow.load(tmp_path, 10)
    n_old = sum(len(r.value) for r in old)
    assert len(window) == n_old + 2 and window.games == 3
    assert not window.has_ownership[:n_old].any() and window.has_ownership[n_old:].all()
    torch.manual_seed(0)
    trainer = Trainer(create_model("resnet_b1c8", board_size=5, ownership=True), OWNERSHIP)
    window_old = ReplayWindow(window.planes[:n_old], window.policy[:n_old],
                              window.value[:n_old], window.ownership[:n_old],
                              window.has_ownership[:n_old], 2)
    metrics = trainer.step(*window_old.sample(8, np.random.default_rng(0)))
    assert metrics["ownership_targets"] == 0.0 and metrics["ownership_loss"] == 0.0
    assert metrics["loss"] == pytest.approx(metrics["policy_loss"] + metrics["value_loss"])
    metrics = trainer.step(*window.sample(64, np.random.default_rng(1)))
    assert 0.0 < metrics["ownership_targets"] < 1.0 and metrics["ownership_loss"] > 0.0


def test_ownership_turns_with_the_planes_and_the_policy():
    """A window whose ownership target is a copy of its first plane, and whose policy is that
    plane too: under every sampled symmetry the three must still agree, which they would not
    if the target stayed as recorded while the planes turned."""
    rng = np.random.default_rng(0)
    n, count = 5, 6
    planes = (rng.random((count, 17, n, n)) < 0.4).astype(np.uint8)
    ownership = planes[:, 0].astype(np.int8) * 2 - 1  # +1 / -1, no symmetry of its own
    policy = np.concatenate([planes[:, 0].reshape(count, -1), np.zeros((count, 1))], axis=1)
    policy = (policy / policy.sum(axis=1, keepdims=True)).astype(np.float32)
    window = ReplayWindow(planes, policy, np.ones(count, np.int8), ownership,
                          np.ones(count, bool), count)
    batch = window.sample(64, np.random.default_rng(1))
    assert np.array_equal(batch.ownership, batch.planes[:, 0] * 2 - 1)
    assert np.array_equal(batch.policy[:, :-1].reshape(-1, n, n) > 0, batch.planes[:, 0] > 0)
    # and the symmetries really were applied: some targets are none of the recorded boards
    assert any(not any(np.array_equal(o, w) for w in window.ownership) for o in batch.ownership)


def batch_with_targets():
    game = finished_game()
    window = ReplayWindow(game.planes, game.policy, game.value, game.ownership,
                          np.ones(2, bool), 1)
    return window.sample(4, np.random.default_rng(0))


def test_the_ownership_term_is_weighted(tmp_path):
    """Weight 0: the loss is policy + value and no gradient reaches the ownership head; weight
    1.5: the loss adds 1.5 x the ownership error and the head learns."""
    batch = batch_with_targets()
    for weight in (0.0, 1.5):
        torch.manual_seed(0)
        model = create_model("resnet_b1c8", board_size=5, ownership=True)
        trainer = Trainer(model, dataclasses.replace(TINY, ownership_weight=weight))
        m = trainer.step(*batch)
        assert m["loss"] == pytest.approx(m["policy_loss"] + m["value_loss"]
                                          + weight * m["ownership_loss"], rel=1e-5)
        grads = [p.grad.abs().sum() for p in model.ownership_head.parameters()]
        assert (sum(grads) > 0) == (weight > 0)


def test_a_net_without_the_head_trains_as_before_and_a_weight_needs_the_head():
    batch = batch_with_targets()
    model = create_model("resnet_b1c8", board_size=5)
    metrics = Trainer(model, TINY).step(*batch)
    assert "ownership_loss" not in metrics
    with pytest.raises(ValueError, match="ownership=True"):
        Trainer(model, OWNERSHIP)


def test_a_run_with_ownership_weight_trains_the_head_end_to_end(tmp_path):
    run_zero(dataclasses.replace(OWNERSHIP, generations=2), tmp_path)
    folder = RunFolder(tmp_path)
    assert folder.latest_generation() == 2
    net = load_model(folder.model_path(2))
    assert net.config.ownership and net.ownership_head is not None
    trains = [e for e in folder.entries() if e["phase"] == "train"]
    assert len(trains) == 2 and all(e["ownership_loss"] > 0 for e in trains)
    with np.load(next(folder.shards.glob("gen0001-*.npz"))) as shard:
        assert shard["ownership"].shape == (len(shard["value"]), 5, 5)
        assert shard["ownership"].dtype == np.int8
    assert json.loads((tmp_path / "config.json").read_text())["ownership_weight"] == 1.5
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    assert "train/ownership_loss" in events.Tags()["scalars"]


def test_a_run_without_weight_builds_no_head(tmp_path):
    run_zero(dataclasses.replace(TINY, generations=1), tmp_path)
    net = load_model(RunFolder(tmp_path).model_path(1))
    assert not net.config.ownership and net.ownership_head is None
    assert all("ownership_loss" not in e for e in RunFolder(tmp_path).entries())
