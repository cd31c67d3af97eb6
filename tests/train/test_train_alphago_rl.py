"""The RL policy stage on tiny boards and nets: the REINFORCE update moves probability toward
the winners' moves and away from the losers', sampled games respect the candidate rules, and
a run keeps a pool, checkpoints, resumes and refuses a changed recipe."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from dosaku.features import encoder_named
from dosaku.nets import create_model, load_model, save_model
from dosaku.rules.game import GameState
from dosaku.rules.types import BLACK, WHITE
from dosaku.train.alphago.config import RLConfig, load_config
from dosaku.train.alphago.rl import Trajectory, reinforce_step, run_rl
from dosaku.train.alphago.selfplay import (PolicyPlayer, candidate_mask, cleanup_outcome,
                                           match_win_rate, sample)

torch.set_num_threads(1)


def tiny_policy(size: int = 5, seed: int = 0):
    torch.manual_seed(seed)
    return create_model("alphago_policy", blocks=2, channels=8, encoder="alphago48",
                        head="policy", board_size=size)


def log_probs(model, planes, masks, moves):
    with torch.no_grad():
        logits = model(torch.from_numpy(planes).float()).policy
        logits = logits.masked_fill(~torch.from_numpy(masks), float("-inf"))
        return torch.log_softmax(logits, 1).gather(
            1, torch.from_numpy(moves)[:, None]).squeeze(1).numpy()


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_the_policy_gradient_raises_winning_moves_and_lowers_losing_ones(precision):
    model = tiny_policy()
    state = GameState(5, 7.5)
    planes = encoder_named("alphago48").encode(state)[None]  # (1, 48, 5, 5)
    mask = candidate_mask(state, min_pass_move=100)[None]
    won, lost = 12, 6  # the centre won its game, a side point lost its game
    games = [Trajectory([planes[0]], [mask[0]], [won], outcome=1.0),
             Trajectory([planes[0]], [mask[0]], [lost], outcome=-1.0)]
    both = np.array([won, lost])
    before = log_probs(model, np.repeat(planes, 2, 0), np.repeat(mask, 2, 0), both)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(3):
        reinforce_step(model, optimizer, games, baseline="none", chunk=8, precision=precision)
    after = log_probs(model, np.repeat(planes, 2, 0), np.repeat(mask, 2, 0), both)
    assert after[0] > before[0] + 0.05
    assert after[1] < before[1] - 0.05


def test_a_mean_baseline_leaves_a_batch_of_equal_outcomes_unchanged():
    model = tiny_policy()
    state = GameState(5, 7.5)
    planes = encoder_named("alphago48").encode(state)
    mask = candidate_mask(state, 100)
    games = [Trajectory([planes], [mask], [m], outcome=1.0) for m in (3, 7)]
    weights = [p.detach().clone() for p in model.parameters()]
    reinforce_step(model, torch.optim.SGD(model.parameters(), lr=0.5), games, "mean", 8)
    assert all(torch.equal(a, b) for a, b in zip(weights, model.parameters()))
    reinforce_step(model, torch.optim.SGD(model.parameters(), lr=0.5), games, "none", 8)
    assert not all(torch.equal(a, b) for a, b in zip(weights, model.parameters()))


def test_a_bf16_update_follows_the_fp32_gradient():
    model = tiny_policy(seed=3)
    rng = np.random.default_rng(0)
    encoder = encoder_named("alphago48")
    games = []
    for g in range(6):
        state, path = GameState(5, 7.5), Trajectory(outcome=1.0 if g % 2 else -1.0)
        for _ in range(8):
            mask = candidate_mask(state, 100)
            move = int(rng.choice(np.flatnonzero(mask)))
            path.planes.append(encoder.encode(state))
            path.masks.append(mask)
            path.moves.append(move)
            state.play(move)
        games.append(path)
    grads = {}
    for precision in ("fp32", "bf16"):
        model.zero_grad()
        reinforce_step(model, torch.optim.SGD(model.parameters(), lr=0.0), games, "none", 16,
                       precision)
        grads[precision] = torch.cat([p.grad.flatten() for p in model.parameters()])
    cosine = torch.nn.functional.cosine_similarity(grads["fp32"], grads["bf16"], dim=0)
    assert 0.98 < cosine < 1.0 - 1e-7  # close, and not fp32 twice
    with pytest.raises(ValueError, match="update_precision"):
        reinforce_step(model, torch.optim.SGD(model.parameters(), lr=0.0), games, "none", 16,
                       "fp16")


def test_an_update_reports_its_relative_size():
    model = tiny_policy()
    state = GameState(5, 7.5)
    planes = encoder_named("alphago48").encode(state)
    mask = candidate_mask(state, 100)
    games = [Trajectory([planes], [mask], [12], outcome=1.0)]
    weights = [p.detach().clone() for p in model.parameters()]
    update = reinforce_step(model, torch.optim.SGD(model.parameters(), lr=0.5), games, "none",
                            8)["update"]
    delta = sum(float((a.detach() - b).pow(2).sum()) for a, b in zip(model.parameters(), weights))
    norm = sum(float(b.pow(2).sum()) for b in weights)
    assert update > 0 and update == pytest.approx((delta / norm) ** 0.5, rel=1e-5)


def test_an_update_reports_the_entropy_of_the_policy_over_the_candidates():
    model = tiny_policy()
    with torch.no_grad():  # a uniform policy: entropy log(candidates)
        for p in model.parameters():
            p.zero_()
    state = GameState(5, 7.5)
    planes = encoder_named("alphago48").encode(state)
    mask = candidate_mask(state, 100)  # 25 points, the pass held back
    games = [Trajectory([planes], [mask], [12], outcome=1.0)]
    entropy = reinforce_step(model, torch.optim.SGD(model.parameters(), lr=0.0), games, "none",
                             8)["entropy"]
    assert entropy == pytest.approx(np.log(mask.sum()), rel=1e-5)


def test_candidates_skip_own_eyes_and_hold_the_pass_back():
    state = GameState.from_diagram("""
        . X . . .
        X X . . .
        . . . . .
        . . . O O
        . . . O .
    """)
    mask = candidate_mask(state, min_pass_move=10)
    assert not mask[0]  # A5: Black's own eye
    assert mask[12] and not mask[24]  # C3 open; E1 is suicide for Black
    state.to_play = WHITE
    assert not candidate_mask(state, 10)[24]  # and White's own eye
    assert not candidate_mask(state, 10)[0]  # A5 is suicide for White
    assert not mask[-1]  # move 0 < 10: no pass while moves remain
    assert candidate_mask(state, min_pass_move=0)[-1]


def test_sampling_follows_the_mask_and_argmax_at_zero_temperature():
    rng = np.random.default_rng(0)
    logits = np.array([[5.0, 1.0, 0.0], [0.0, 0.0, 9.0]])
    masks = np.array([[False, True, True], [True, True, False]])
    for _ in range(20):
        moves = sample(logits, masks, 1.0, rng)
        assert masks[0, moves[0]] and masks[1, moves[1]]
    assert list(sample(logits, masks, 0.0, rng)) == [1, 0]


def test_cleanup_outcome_of_a_board_owned_by_one_side():
    black = GameState.from_diagram("""
        . X . X .
        X X X X X
        . X . X .
        X X X X X
        . X . X .
    """)
    assert cleanup_outcome(black, 9, seed=1) == BLACK
    white = GameState.from_diagram("""
        . O . O .
        O O O O O
        . O . O .
        O O O O O
        . O . O .
    """)
    assert cleanup_outcome(white, 9, seed=1) == WHITE


def test_a_policy_that_passes_loses_to_one_that_plays():
    plays = tiny_policy(seed=1)
    passes = tiny_policy(seed=2)
    with torch.no_grad():  # a huge pass logit: it passes whenever it may
        passes.policy_head.pass_logit.fill_(50.0)
    wins, games = match_win_rate(PolicyPlayer(plays), PolicyPlayer(passes), 4, 5, 0.5,
                                 max_moves=60, min_pass_move=0, cleanup_playouts=5,
                                 rng=np.random.default_rng(0))
    assert (wins, games) == (4, 4)


def tiny_config(sl_path, **overrides) -> RLConfig:
    values = dict(sl_model=str(sl_path), games_per_step=4, steps=3, max_moves=40,
                  min_pass_move=10, pool_every=2, eval_games=2, keep_checkpoints=1)
    return RLConfig(**{**values, **overrides})


def test_a_run_keeps_a_pool_checkpoints_and_resumes(tmp_path):
    sl_path = tmp_path / "sl.safetensors"
    save_model(tiny_policy(), sl_path)
    run = tmp_path / "rl"
    last = run_rl(tiny_config(sl_path), run)
    assert last["step"] == 3 and last["vs_sl_games"] == 2
    assert sorted(p.name for p in (run / "pool").iterdir()) == [
        "step00000000.safetensors", "step00000002.safetensors"]
    assert [p.name for p in (run / "checkpoints").glob("step*.safetensors")
            if "optimizer" not in p.name] == ["step00000003.safetensors"]
    trained = load_model(run / "model.safetensors")
    sl = load_model(sl_path)
    assert any(not torch.equal(a, b) for a, b in zip(trained.parameters(), sl.parameters()))
    again = run_rl(tiny_config(sl_path), run)  # finished: nothing to do
    assert {k: v for k, v in again.items() if k != "time"} == last
    more = run_rl(tiny_config(sl_path, steps=4), run)  # extended: one more step
    assert more["step"] == 4
    assert json.loads((run / "config.json").read_text())["steps"] == 4
    with pytest.raises(ValueError, match="different config"):
        run_rl(tiny_config(sl_path, steps=4, pool_every=3), run)
    # a hand-set learning rate is not another recipe (RUNTIME_FIELDS)
    assert run_rl(tiny_config(sl_path, steps=5, learning_rate=0.5), run)["step"] == 5


def test_an_int8_run_samples_with_quantized_copies_and_trains_the_fp32_net(tmp_path):
    from dosaku.train.alphago.rl import SamplingPlayers, self_play

    sl_path = tmp_path / "sl.safetensors"
    save_model(tiny_policy(), sl_path)
    cfg = tiny_config(sl_path, selfplay_precision="int8")
    players = SamplingPlayers(cfg, 5)
    model = load_model(sl_path)
    learner = players.learner(model, np.random.default_rng(0))
    opponent = players.opponent(sl_path)
    assert learner.sampler is not None and opponent.sampler is not None
    assert learner.model is model  # the fp32 net is the one trained
    paths = self_play(learner, opponent, cfg, 5, np.random.default_rng(1))
    players.observe(paths)
    assert players.planes.shape[1:] == paths[0].planes[0].shape
    assert players.opponent(sl_path) is opponent  # a snapshot is quantized once
    last = run_rl(cfg, tmp_path / "rl")
    assert last["step"] == 3 and last["vs_sl_games"] == 2 and last["update"] > 0
    with pytest.raises(ValueError, match="selfplay_precision"):
        SamplingPlayers(tiny_config(sl_path, selfplay_precision="int4"), 5)


def test_the_presets_name_real_fields():
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    for name in ("alphago_rl.toml", "alphago_rl_short.toml"):
        cfg = load_config(RLConfig, root / "configs" / name)
        assert cfg.max_moves > cfg.min_pass_move


def test_a_misspelt_choice_is_refused_before_the_run_folder_is_written(tmp_path, capsys):
    from dosaku.cli.main import main

    with pytest.raises(ValueError, match="update_precision"):
        RLConfig(update_precision="fp16")
    run = tmp_path / "rl"
    code = main(["alphago", "rl", "--run-dir", str(run), "--baseline", "average"])
    assert code == 2 and "baseline must be one of none, mean" in capsys.readouterr().err
    assert not run.exists()


def test_an_entropy_bonus_flattens_the_policy_where_outcomes_say_nothing():
    state = GameState(5, 7.5)
    planes = encoder_named("alphago48").encode(state)
    mask = candidate_mask(state, 100)
    # equal outcomes under the mean baseline: no policy-gradient signal at all
    games = [Trajectory([planes], [mask], [12], outcome=1.0) for _ in range(4)]
    entropies = {}
    for beta in (0.0, 0.5):
        model = tiny_policy()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        for _ in range(5):
            reinforce_step(model, optimizer, games, "mean", 8, entropy_bonus=beta)
        entropies[beta] = reinforce_step(model, torch.optim.SGD(model.parameters(), lr=0.0),
                                         games, "mean", 8)["entropy"]
    start = reinforce_step(tiny_policy(), torch.optim.SGD(tiny_policy().parameters(), lr=0.0),
                           games, "mean", 8)["entropy"]
    assert entropies[0.0] == pytest.approx(start, rel=1e-6)
    assert start < entropies[0.5] <= np.log(mask.sum()) + 1e-6
    with pytest.raises(ValueError, match="entropy_bonus"):
        RLConfig(entropy_bonus=-0.1)
