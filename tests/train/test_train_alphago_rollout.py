"""The rollout policy's training: the SGD step is the log-likelihood gradient, the numba
scorer agrees with RolloutWeights, and a run checkpoints, resumes and learns."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch
import pytest

from dosaku.features.rollout import (RolloutLayout, RolloutWeights, load_rollout_weights,
                                     rollout_features)
from dosaku.io.records import GameRecord
from dosaku.io.sgf import SkipStats, write_sgf
from dosaku.rules.game import GameState
from dosaku.train.alphago.accuracy import rollout_policy_accuracy
from dosaku.train.alphago.config import RolloutConfig
from dosaku.train.alphago.positions import RolloutSampler, collate_sparse, replay
from dosaku.train.alphago.rollout import run_rollout, score_batch

torch.set_num_threads(1)  # a second thread only contends on a shared 2-core machine

LAYOUT = RolloutLayout(response_bits=8, pattern_bits=10)


def random_game(seed: int, moves: int = 40) -> GameState:
    rng = np.random.default_rng(seed)
    state = GameState(19, 7.5)
    for _ in range(moves):
        legal = [m for m in state.legal_moves() if m != state.pass_move]
        state.play(int(rng.choice(legal)))
    return state


def samples_of(state: GameState) -> list:
    record = GameRecord(size=19, moves=state.moves)
    sampler = RolloutSampler(LAYOUT)
    return [sampler(s, m, None) for s, m in replay(record)]


def log_loss(weights, sample) -> float:
    offsets, indices, target = sample
    scores = np.add.reduceat(weights[indices], offsets[:-1])
    top = scores.max()
    return float(top + np.log(np.exp(scores - top).sum()) - scores[target])


def test_one_sgd_step_follows_the_log_likelihood_gradient():
    rng = np.random.default_rng(1)
    sample = samples_of(random_game(2, 12))[-1]
    weights = rng.normal(0, 0.3, LAYOUT.size)
    used = np.unique(sample[1])
    numeric = np.zeros_like(weights)
    for k in used:
        bump = np.zeros_like(weights)
        bump[k] = 1e-6
        numeric[k] = (log_loss(weights + bump, sample) - log_loss(weights - bump, sample)) / 2e-6
    after = weights.copy()
    score_batch(after, collate_sparse([sample]), lr=1e-3, l2=0.0, learn=True)
    assert np.allclose((weights - after) / 1e-3, numeric, atol=1e-4)


def test_numba_scores_agree_with_the_weights_object():
    rng = np.random.default_rng(3)
    weights = RolloutWeights(rng.normal(0, 1, LAYOUT.size).astype(np.float32), LAYOUT)
    games = [random_game(s, 30) for s in (4, 5)]
    records = [GameRecord(size=19, moves=g.moves) for g in games]
    expected = rollout_policy_accuracy(weights, records, SkipStats())
    stats = score_batch(weights.weights.astype(np.float64),
                        collate_sparse([x for g in games for x in samples_of(g)]))
    assert stats[0] == expected.positions == 60
    assert (stats[2], stats[3]) == (expected.top1_hits, expected.top5_hits)
    assert expected.top5_hits > expected.top1_hits


def test_a_non_candidate_expert_move_is_a_miss_and_teaches_nothing():
    state = random_game(6, 10)
    found = rollout_features(state, LAYOUT)
    weights = np.ones(LAYOUT.size)
    batch = collate_sparse([(found.offsets, found.indices, -1)])
    stats = score_batch(weights, batch, lr=0.1, learn=True)
    assert list(stats) == [1, 0, 0, 0] and np.all(weights == 1)


def write_games(path: Path, count: int = 8) -> None:
    lines = [write_sgf(random_game(10 + i, 24), wrap=None, result="W+R") for i in range(count)]
    with gzip.open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")


def test_run_learns_checkpoints_and_resumes(tmp_path):
    write_games(tmp_path / "g.sgf.gz")
    cfg = RolloutConfig(games=(str(tmp_path / "g.sgf.gz"),), response_bits=8, pattern_bits=10,
                        batch_size=32, steps=4, workers=0, game_buffer=2, position_buffer=16,
                        positions_per_game=8, holdout_per_mille=300, validation_games=2,
                        validate_every=2, checkpoint_every=2, learning_rate=0.1)
    run_dir = tmp_path / "run"
    first = run_rollout(cfg, run_dir)
    assert first["step"] == 4 and first["positions"] > 0
    weights = load_rollout_weights(run_dir / "rollout.safetensors")
    assert weights.layout == LAYOUT and weights.provenance["step"] == 4
    assert np.any(weights.weights != 0)
    again = run_rollout(RolloutConfig(**{**cfg.__dict__, "steps": 6}), run_dir)
    assert again["step"] == 6
    assert not list(run_dir.rglob("*.tmp*"))
    with pytest.raises(ValueError, match="different config"):
        run_rollout(RolloutConfig(**{**cfg.__dict__, "l2": 0.5}), run_dir)
