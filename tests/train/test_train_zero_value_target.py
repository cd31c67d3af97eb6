"""The value target mixing the game's outcome z with the search's root value q
(``ZeroConfig.value_target_q_weight``; Abrams 2018, "Improving the Training Target")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dosaku.rules.types import BLACK
from dosaku.search.evaluator import uniform_priors
from dosaku.train.zero.buffer import ReplayWindow, read_shard, write_shard
from dosaku.train.zero.config import load_config
from dosaku.train.zero.loop import run_zero
from dosaku.train.zero.selfplay import play_games

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "configs" / "zero_tiny.toml"


class BlackLeads:
    """Every position is +0.6 for Black: from the side to move, +0.6 or -0.6."""

    def evaluate(self, states):
        return uniform_priors(states), self.values(states)

    def values(self, states):
        return np.array([0.6 if s.to_play == BLACK else -0.6 for s in states], np.float32)


def games(count=3, seed=0):
    out = []
    play_games(BlackLeads(), load_config(TINY), count, seed, out.append)
    return out


def test_each_full_search_records_its_root_value_from_the_side_to_move():
    for g in games():
        assert g.root_q.shape == g.value.shape and g.root_q.dtype == np.float32
        to_play = np.where(g.planes[:, 16, 0, 0] == 1, 1, -1)  # plane 16: Black to move
        # the search averages +0.6-for-Black leaves: q is about +0.6 · (Black to move ? 1 : -1)
        # (terminal leaves, counted exactly, pull a few roots elsewhere)
        assert np.mean(np.sign(g.root_q) == to_play) > 0.9
        assert np.all(np.abs(g.root_q) <= 1.0)


def test_shards_keep_root_values_and_old_shards_read_z_in_their_place(tmp_path):
    records = games()
    write_shard(tmp_path / "gen0001-0000.npz", records)
    *_, root_q, count = read_shard(tmp_path / "gen0001-0000.npz")
    assert count == 3
    np.testing.assert_allclose(root_q, np.concatenate([r.root_q for r in records]), atol=1e-3)
    with np.load(tmp_path / "gen0001-0000.npz") as shard:  # as written before root_q existed
        old = {k: shard[k] for k in shard.files if k != "root_q"}
    np.savez_compressed(tmp_path / "gen0000-0000.npz", **old)
    *_, old_q, _ = read_shard(tmp_path / "gen0000-0000.npz")
    assert np.array_equal(old_q, old["value"].astype(np.float32))


def test_the_sampled_value_target_is_the_weighted_mean_of_z_and_q(tmp_path):
    write_shard(tmp_path / "gen0001-0000.npz", games())
    window = ReplayWindow.load(tmp_path, 10)
    z_only = window.sample(64, np.random.default_rng(5)).value
    mixed = window.sample(64, np.random.default_rng(5), q_weight=0.25).value
    index = np.random.default_rng(5).integers(len(window), size=64)  # sample's first draw
    np.testing.assert_array_equal(z_only, window.value[index].astype(np.float32))
    np.testing.assert_allclose(mixed, 0.75 * window.value[index] + 0.25 * window.root_q[index],
                               rtol=1e-6)
    assert not np.array_equal(mixed, z_only)
    bare = ReplayWindow(window.planes, window.policy, window.value, window.ownership,
                        window.has_ownership, window.games)
    with pytest.raises(ValueError, match="root_q"):
        bare.sample(4, np.random.default_rng(0), q_weight=0.5)


def test_the_weight_is_checked_and_reaches_training(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="value_target_q_weight"):
        load_config(TINY, value_target_q_weight=1.5)
    seen = []
    original = ReplayWindow.sample

    def spy(self, batch, rng, q_weight=0.0):
        seen.append(q_weight)
        return original(self, batch, rng, q_weight)

    monkeypatch.setattr(ReplayWindow, "sample", spy)
    run_zero(load_config(TINY, generations=1, value_target_q_weight=0.5), tmp_path)
    assert seen and set(seen) == {0.5}
