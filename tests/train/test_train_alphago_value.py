"""The value stage on tiny boards and nets: the net fits a small batch of outcomes, the
self-play data keep exactly one position per game (SL moves before U, a random move U, RL
moves after it), and a run stores its shards, checkpoints and resumes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from dosaku.nets import create_model, save_model
from dosaku.rules.game import GameState
from dosaku.train.alphago.config import ValueConfig, load_config
from dosaku.train.alphago.selfplay import PolicyPlayer
from dosaku.train.alphago.value import (ValuePositions, build_model, run_value,
                                        selfplay_positions, train_step, value_mse)

torch.set_num_threads(1)


def tiny_policy(seed: int, size: int = 5):
    torch.manual_seed(seed)
    return create_model("alphago_policy", blocks=2, channels=8, encoder="alphago48",
                        head="policy", board_size=size)


def test_a_small_batch_of_outcomes_is_fitted():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    cfg = ValueConfig(blocks=2, channels=16)
    model = build_model(cfg, 5)
    planes = torch.from_numpy(rng.integers(0, 2, (8, 49, 5, 5))).float()
    z = torch.tensor([1.0, -1, 1, -1, -1, 1, 1, -1])
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = train_step(model, optimizer, planes, z)
    for _ in range(150):
        last = train_step(model, optimizer, planes, z)
    assert first > 0.5 and last < 0.05


class Spy(PolicyPlayer):
    """A policy player that notes which move numbers of which games it played."""

    def __init__(self, model, log):
        super().__init__(model)
        self.log = log

    def choose(self, states, masks, rng):
        for s in states:
            self.log.append((id(s), s.move_number + 1))
        return super().choose(states, masks, rng)


def test_one_position_per_game_after_the_random_move():
    sl_log, rl_log = [], []
    cfg = ValueConfig(shard_games=6, max_moves=30, min_pass_move=25, max_u=12)
    sl, rl = Spy(tiny_policy(1), sl_log), Spy(tiny_policy(2), rl_log)
    data, dropped = selfplay_positions(sl, rl, cfg, 100, np.random.default_rng(3))
    assert dropped == 0 and len(data) == 6 and list(data.games) == list(range(100, 106))
    assert set(np.abs(data.values)) == {1.0}
    assert data.planes_of(np.arange(6)).shape == (6, 49, 5, 5)
    u = np.random.default_rng(3).integers(1, 13, size=6)  # the shard's first draw: U per game
    games = {}
    for game_id, number in sl_log:
        games.setdefault(game_id, {"sl": [], "rl": []})["sl"].append(number)
    for game_id, number in rl_log:
        games.setdefault(game_id, {"sl": [], "rl": []})["rl"].append(number)
    seen_u = set()
    for moves in games.values():
        first_rl = min(moves["rl"])
        if moves["sl"]:
            assert max(moves["sl"]) == first_rl - 2  # move U between them, by neither net
        played = moves["sl"] + moves["rl"]
        assert sorted(played) == [m for m in range(1, max(played) + 1) if m != first_rl - 1]
        seen_u.add(first_rl - 1)
    assert seen_u == set(u.tolist())
    # the kept planes are those of a position after move U: the stone count says so
    stones = data.planes_of(np.arange(6))[:, :2].sum(axis=(1, 2, 3))  # own + opponent
    assert all(s <= k for s, k in zip(stones, u))


def tiny_run(tmp_path, **overrides) -> ValueConfig:
    """A value run on 5x5 with two tiny saved policy nets in ``tmp_path``."""
    save_model(tiny_policy(1), tmp_path / "sl.safetensors")
    save_model(tiny_policy(2), tmp_path / "rl.safetensors")
    fields = dict(sl_model=str(tmp_path / "sl.safetensors"),
                  rl_model=str(tmp_path / "rl.safetensors"), selfplay_games=12, shard_games=6,
                  max_moves=30, min_pass_move=25, max_u=20, blocks=2, channels=8,
                  batch_size=4, steps=4, validate_every=2, checkpoint_every=2,
                  keep_checkpoints=1, test_per_mille=300)
    return ValueConfig(**{**fields, **overrides})


def test_a_run_stores_shards_checkpoints_and_resumes(tmp_path, capsys):
    cfg = tiny_run(tmp_path)
    run = tmp_path / "value"
    last = run_value(cfg, run)
    assert "12 positions from 12 self-play games (0 dropped" in capsys.readouterr().err
    assert last["step"] == 4 and last["train_positions"] + last["test_positions"] == 12
    assert sorted(p.name for p in (run / "data").iterdir()) == ["shard00000.npz",
                                                                "shard00001.npz"]
    again = run_value(cfg, run)
    assert {k: v for k, v in again.items() if k != "time"} == last
    data = ValuePositions.load(sorted((run / "data").glob("shard*.npz")))
    assert len(data) == 12 and data.size == 5
    from dosaku.nets import load_model
    assert np.isfinite(value_mse(load_model(run / "model.safetensors"), data))


def test_the_presets_name_real_fields():
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    for name in ("alphago_value.toml", "alphago_value_short.toml", "alphago_value_human.toml",
                 "alphago_value_greedy.toml"):
        cfg = load_config(ValueConfig, root / "configs" / name)
        assert cfg.encoder == "alphago49" and cfg.max_u < cfg.max_moves
    assert GameState(5).move_number == 0


def test_the_presets_nets_exist_and_the_trunk_fits():
    """The shipped SL policy changed size (6 x 64 -> 13 x 192); the presets that started from
    the 6 x 64 net name its run folder, so a resumed or repeated run reads the same bytes and
    ``init_trunk`` fits the value net's blocks and channels."""
    from pathlib import Path

    from dosaku.nets import read_header
    root = Path(__file__).resolve().parents[2]
    for name in ("alphago_value.toml", "alphago_value_greedy.toml"):
        cfg = load_config(ValueConfig, root / "configs" / name)
        for path in (cfg.sl_model, cfg.rl_model, cfg.init_trunk):
            assert not path or (root / path).is_file(), f"{name}: {path} missing"
        if cfg.init_trunk:
            trunk = read_header(root / cfg.init_trunk)["model"]
            assert (trunk["blocks"], trunk["channels"]) == (cfg.blocks, cfg.channels), name


def test_an_int8_sampler_samples_nearly_fp32s_distribution_and_trains_nothing():
    from dosaku.train.alphago.selfplay import with_int8_sampler

    torch.manual_seed(0)
    player = PolicyPlayer(create_model("alphago_policy", blocks=3, channels=16,
                                       encoder="alphago48", head="policy", board_size=7))
    fast = with_int8_sampler(player, 7, 7.5, np.random.default_rng(0), games=4, moves=40)
    assert fast.model is player.model and fast.sampler is not None
    states = [GameState(7) for _ in range(8)]
    for k, s in enumerate(states):
        for move in range(k * 3):
            s.play(int(np.flatnonzero(s.legal_mask()[:-1])[move % 5]))
    planes = np.stack([player.encoder.encode(s) for s in states])
    ref = torch.log_softmax(player.logits(planes).double(), 1)
    got = torch.log_softmax(fast.logits(planes).double(), 1)
    kl = float((ref.exp() * (ref - got)).sum(1).mean())
    assert 0 < kl < 0.01  # int8 arithmetic (not the same net), nearly the same policy


def test_a_run_resumes_with_int8_sampling_but_refuses_another_recipe(tmp_path):
    cfg = tiny_run(tmp_path, selfplay_games=6, steps=2)
    run = tmp_path / "value"
    run_value(cfg, run)
    with pytest.raises(ValueError, match="different config"):
        run_value(dataclasses.replace(cfg, max_u=10, selfplay_precision="int8"), run)
    assert run_value(dataclasses.replace(cfg, steps=4, selfplay_precision="int8"),
                     run)["step"] == 4
    fast = run_value(dataclasses.replace(cfg, selfplay_precision="int8"), tmp_path / "int8")
    assert fast["train_positions"] + fast["test_positions"] == 6
    with pytest.raises(ValueError, match="selfplay_precision"):
        run_value(dataclasses.replace(cfg, selfplay_precision="int4"), tmp_path / "other")


def test_max_minutes_stops_training_with_a_checkpoint_and_the_run_resumes(tmp_path):
    from dosaku.train.alphago.run_folder import RunFolder

    run = tmp_path / "value"
    stopped = run_value(tiny_run(tmp_path, max_minutes=1e-9, device="cpu"), run)
    assert stopped["step"] == 1 and RunFolder(run).steps() == [1]
    assert run_value(tiny_run(tmp_path), run)["step"] == 4  # device, max_minutes: runtime


def test_two_self_play_processes_write_the_same_shards_as_one(tmp_path):
    from dosaku.train.alphago.value import generate_selfplay

    cfg = tiny_run(tmp_path, selfplay_games=18)
    generate_selfplay(cfg, tmp_path / "one")
    generate_selfplay(dataclasses.replace(cfg, workers=2), tmp_path / "two")
    for i in range(3):
        one = np.load(tmp_path / "one" / f"shard{i:05d}.npz")
        two = np.load(tmp_path / "two" / f"shard{i:05d}.npz")
        assert all(np.array_equal(one[k], two[k]) for k in ("packed", "values", "games"))


def test_a_greedy_continuation_makes_the_label_a_function_of_the_position():
    """rl_temperature 0: the RL net plays its most probable candidate, so two shards with
    the same positions at U have the same outcomes (only the cleanup playouts draw)."""
    from dosaku.train.alphago.selfplay import play_games

    rl = PolicyPlayer(tiny_policy(2), temperature=0.0)
    starts = [GameState(5) for _ in range(4)]
    play_games(starts, lambda g, s: None, np.random.default_rng(0), 6, 25)  # random openings
    ends = []
    for seed in (1, 2):
        games = [s.copy() for s in starts]
        play_games(games, lambda g, s: rl, np.random.default_rng(seed), 30, 25)
        ends.append([g.board.tobytes() for g in games])
    assert ends[0] == ends[1]
    sampled = PolicyPlayer(tiny_policy(2), temperature=1.0)
    draws = []
    for seed in (1, 2):
        games = [s.copy() for s in starts]
        play_games(games, lambda g, s: sampled, np.random.default_rng(seed), 30, 25)
        draws.append([g.board.tobytes() for g in games])
    assert draws[0] != draws[1]


def test_the_rl_net_continues_at_rl_temperature_and_the_sl_net_at_temperature(tmp_path):
    from dosaku.train.alphago.value import value_players

    sl, rl = value_players(tiny_run(tmp_path, rl_temperature=0.0, temperature=0.7))
    assert (sl.name, sl.temperature, rl.name, rl.temperature) == ("sl", 0.7, "rl", 0.0)


def test_a_wrong_net_path_or_trunk_is_refused_before_any_self_play(tmp_path):
    cfg = tiny_run(tmp_path)
    with pytest.raises(ValueError, match="nothere"):
        run_value(dataclasses.replace(cfg, rl_model=str(tmp_path / "nothere.safetensors")),
                  tmp_path / "a")
    save_model(create_model("alphago_policy", blocks=2, channels=16, encoder="alphago48",
                            head="policy", board_size=5), tmp_path / "wide.safetensors")
    with pytest.raises(ValueError, match="init_trunk"):
        run_value(dataclasses.replace(cfg, init_trunk=str(tmp_path / "wide.safetensors")),
                  tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_init_trunk_copies_the_policy_trunk_and_widens_the_input_layer(tmp_path):
    from dosaku.train.alphago.value import copy_trunk

    policy = tiny_policy(4)
    cfg = ValueConfig(blocks=2, channels=8)
    model = build_model(cfg, 5)
    copy_trunk(model, policy)
    ours, theirs = model.backbone.state_dict(), policy.backbone.state_dict()
    first = next(iter(ours))
    assert torch.equal(ours[first][:, :48], theirs[first])
    assert not ours[first][:, 48:].any()
    assert all(torch.equal(ours[k], theirs[k]) for k in list(ours)[1:])
    # the shared features are the same: the value net's trunk on alphago49 = the policy's
    planes = torch.from_numpy(np.random.default_rng(0).integers(0, 2, (3, 49, 5, 5))).float()
    model.eval(), policy.eval()
    with torch.no_grad():
        assert torch.allclose(model.backbone.forward_features(planes),
                              policy.backbone.forward_features(planes[:, :48]))
    wider = build_model(ValueConfig(blocks=2, channels=16), 5)
    with pytest.raises(ValueError, match="in the policy net"):
        copy_trunk(wider, policy)
    # a run starts from it and then trains on (resume loads its own checkpoint instead)
    save_model(policy, tmp_path / "trunk.safetensors")
    cfg = tiny_run(tmp_path, steps=2, init_trunk=str(tmp_path / "trunk.safetensors"))
    assert run_value(cfg, tmp_path / "value")["step"] == 2
