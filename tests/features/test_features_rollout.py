"""The rollout policy: its features against a restatement on GameState, symmetry of the
patterns, the incremental rollout against the from-scratch policy, and the weight file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dosaku.features import rollout as ro
from dosaku.features.rollout import (RolloutFileError, RolloutLayout, RolloutWeights,
                                     load_rollout_weights, rollout_features,
                                     save_rollout_weights)
from dosaku.features.rollout_patterns import RING_PERM
from dosaku.features.rollout_playout import rollout
from dosaku.features.symmetry import transform_move, transform_state
from dosaku.rules.game import GameState
from dosaku.rules.ruleset import JAPANESE
from dosaku.rules.types import BLACK

LAYOUT = RolloutLayout(response_bits=10, pattern_bits=12)  # small tables: collisions show up
WEIGHTS = RolloutWeights(np.random.default_rng(5).normal(0, 1, LAYOUT.size).astype(np.float32),
                         LAYOUT)


def random_positions(size: int, moves: int, seed: int) -> list[GameState]:
    """Positions of a random game under simple ko (as rollouts play), every 3rd move."""
    rng = np.random.default_rng(seed)
    state = GameState(size, komi=7.5, ruleset=JAPANESE)
    out = []
    for i in range(moves):
        legal = state.legal_moves()
        state.play(int(rng.choice(legal[:-1])) if len(legal) > 1 else state.pass_move)
        if i % 3 == 2:
            out.append(state.copy())
    return out


POSITIONS = random_positions(7, 60, 0) + random_positions(9, 90, 1)


def expected_features(state: GameState, move: int) -> set[str]:
    """The rollout features of ``move`` by their definitions, except the pattern buckets."""
    n = state.size
    found = set()
    last = ro.last_point(state)
    if last >= 0:
        dr, dc = move // n - last // n, move % n - last % n
        if 1 <= abs(dr) + abs(dc) <= 2:
            found.add("response")
        if max(abs(dr), abs(dc)) == 1:
            found.add(f"neighbour {dr},{dc}")
    in_atari = {state.chain_points(p)[0] for p in range(n * n)
                if state.color_at(p) == state.to_play and state.liberties(p) == 1}
    after = state.copy()
    after.play(move)
    if any(after.color_at(h) == state.to_play and after.liberties(h) >= 2 for h in in_atari):
        found.add("save atari")
    return found


def named(index: int) -> str | None:
    ring = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))
    if index == ro.RESPONSE:
        return "response"
    if index == ro.SAVE_ATARI:
        return "save atari"
    if ro.NEIGHBOUR <= index < ro.RESPONSE_PATTERNS:
        return "neighbour {},{}".format(*ring[index - ro.NEIGHBOUR])
    return None


@pytest.mark.parametrize("index", range(0, len(POSITIONS), 2))
def test_features_follow_their_definitions(index: int):
    state = POSITIONS[index]
    found = rollout_features(state, LAYOUT)
    legal = state.legal_mask().copy()
    eyes = {p for p in range(state.size ** 2) if legal[p] and is_own_eye(state, p)}
    assert set(found.moves.tolist()) == set(np.flatnonzero(legal[:-1]).tolist()) - eyes
    for i, move in enumerate(found.moves):
        indices = found.indices[found.offsets[i]:found.offsets[i + 1]].tolist()
        assert {named(f) for f in indices} - {None} == expected_features(state, int(move))
        patterns = [f for f in indices if f >= ro.RESPONSE_PATTERNS]
        assert sum(f >= LAYOUT.pattern_offset for f in patterns) == 1  # one 3x3 pattern
        assert len(patterns) == 1 + ("response" in expected_features(state, int(move)))
        assert all(f < LAYOUT.size for f in indices)


def is_own_eye(state: GameState, p: int) -> bool:
    from dosaku.rules.board import is_eye
    return bool(is_eye(state.stones, state.nbr, state.diag, p, state.to_play))


@pytest.mark.parametrize("k", range(1, 8))
def test_features_turn_with_the_board(k: int):
    """Patterns are canonical, so a turned position has the same features, except that the
    neighbour direction turns too."""
    for state in POSITIONS[::5]:
        turned = transform_state(state, k)
        here, there = rollout_features(state, LAYOUT), rollout_features(turned, LAYOUT)
        moved = {transform_move(int(m), k, state.size): i for i, m in enumerate(here.moves)}
        assert set(moved) == set(there.moves.tolist())
        for j, m in enumerate(there.moves):
            i = moved[int(m)]
            mine = here.indices[here.offsets[i]:here.offsets[i + 1]].tolist()
            expected = sorted(ro.NEIGHBOUR + int(RING_PERM[k, f - ro.NEIGHBOUR])
                              if ro.NEIGHBOUR <= f < ro.RESPONSE_PATTERNS else f for f in mine)
            assert sorted(there.indices[there.offsets[j]:there.offsets[j + 1]]) == expected


def test_uniform_weights_give_the_uniform_policy():
    state = POSITIONS[4]
    p = RolloutWeights.zeros(LAYOUT).probabilities(state)
    candidates = rollout_features(state, LAYOUT).moves
    assert np.allclose(p[candidates], 1 / len(candidates)) and p.sum() == pytest.approx(1)


def test_the_rollout_passes_only_without_candidates():
    full = GameState.from_diagram("""
        . X . X
        X X X X
        X X . X
        . X X .
    """, ruleset=JAPANESE, to_play=BLACK)
    assert len(rollout_features(full, LAYOUT).moves) == 0
    assert WEIGHTS.probabilities(full)[-1] == 1.0


def test_rollouts_end_and_score():
    state = GameState(9, komi=7.5, ruleset=JAPANESE)
    results = [rollout(state, WEIGHTS, seed=s) for s in range(5)]
    assert all(0 < r.moves < 3 * 81 for r in results)
    assert all((r.score + 7.5) % 1 == 0 and abs(r.score) <= 81 + 7.5 for r in results)
    assert len({r.score for r in results}) > 1  # the seed matters
    assert rollout(state, WEIGHTS, seed=3) == results[3]  # and is all that matters


def test_weight_file_round_trip(tmp_path: Path):
    weights = RolloutWeights(WEIGHTS.weights, LAYOUT, {"games": 10})
    path = save_rollout_weights(weights, tmp_path / "rollout.safetensors")
    loaded = load_rollout_weights(path)
    assert loaded.layout == LAYOUT and np.array_equal(loaded.weights, weights.weights)
    assert loaded.provenance["games"] == 10 and "dosaku_version" in loaded.provenance


def rewritten(tmp_path: Path, header_edit=None, weights=None) -> Path:
    from safetensors.numpy import save_file
    header = {"format": "dosaku-rollout", "format_version": 1,
              "layout": {"response_bits": 10, "pattern_bits": 12}}
    if header_edit:
        header_edit(header)
    path = tmp_path / "edited.safetensors"
    save_file({"weights": WEIGHTS.weights if weights is None else weights}, str(path),
              metadata={"dosaku": json.dumps(header)})
    return path


@pytest.mark.parametrize("edit,weights,field", [
    (lambda h: h.update(format_version=2), None, "format_version"),
    (lambda h: h.update(format="dosaku-model"), None, "format"),
    (lambda h: h["layout"].update(pattern_bits=13), None, "weights"),
    (lambda h: h["layout"].update(radius=3), None, "layout.radius"),
    (None, np.zeros(7, dtype=np.float32), "weights"),
    (None, WEIGHTS.weights.astype(np.float64), "weights"),
])
def test_weight_file_errors_name_the_field(tmp_path: Path, edit, weights, field: str):
    with pytest.raises(RolloutFileError) as error:
        load_rollout_weights(rewritten(tmp_path, edit, weights))
    assert error.value.field == field
