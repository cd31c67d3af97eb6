"""Every plane of every encoder against a plain restatement on GameState (the oracle).

Positions come from random games (captures, kos and, under Tromp-Taylor, suicides included)
and from diagrams. The oracle only uses the public GameState API: play a move on a copy and
count liberties, remember which move put each stone down, keep a copy of every position.
"""

from __future__ import annotations

import numpy as np
import pytest

from dosaku.features import ENCODERS, encoder_named, encoder_names
from dosaku.features import alphago as ag
from dosaku.features.ladder import is_ladder_capture, ladder_captured
from dosaku.rules.coords import from_gtp
from dosaku.rules.game import GameState
from dosaku.rules.ruleset import CHINESE, TROMP_TAYLOR
from dosaku.rules.types import BLACK, WHITE


def random_game(size: int, moves: int, seed: int, ruleset=CHINESE) -> list[GameState]:
    """The positions of a random game (any legal move, eye fills and passes included)."""
    rng = np.random.default_rng(seed)
    state = GameState(size, komi=7.5, ruleset=ruleset)
    positions = [state.copy()]
    for _ in range(moves):
        legal = state.legal_moves()
        move = int(rng.choice(legal[:-1])) if len(legal) > 1 and rng.random() > 0.03 \
            else state.pass_move
        state.play(move)
        positions.append(state.copy())
        if state.is_over:
            break
    return positions


GAMES = [random_game(7, 60, seed=1), random_game(9, 90, seed=2),
         random_game(5, 40, seed=3, ruleset=TROMP_TAYLOR), random_game(9, 120, seed=4)]
SAMPLES = [(g, i) for g in range(len(GAMES)) for i in range(0, len(GAMES[g]), 7)]


def plane_at(planes: np.ndarray, plane: int, move: int) -> int:
    n = planes.shape[-1]
    return int(planes[plane, move // n, move % n])


def turns_since(positions: list[GameState]) -> dict[int, int]:
    """Point -> turns since its stone was played, by following the game move by move."""
    placed: dict[int, int] = {}
    for number, state in enumerate(positions[1:], 1):
        color, move = state.moves[-1]
        if move != state.pass_move:
            placed[move] = number
        for p in list(placed):
            if state.color_at(p) == 0:
                del placed[p]
    last = len(positions) - 1
    return {p: last - number + 1 for p, number in placed.items()}


def is_own_eye(state: GameState, p: int, color: int) -> bool:
    """The playout eye: own neighbours, at most one opponent diagonal (none at the edge)."""
    n = state.size
    r, c = divmod(p, n)
    around = [(r + dr, c + dc) for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))]
    if any(0 <= a < n and 0 <= b < n and state.board[a, b] != color for a, b in around):
        return False
    diagonals = [(r + dr, c + dc) for dr in (-1, 1) for dc in (-1, 1)]
    on_board = [(a, b) for a, b in diagonals if 0 <= a < n and 0 <= b < n]
    bad = sum(state.board[a, b] == -color for a, b in on_board)
    return bad == 0 if len(on_board) < 4 else bad < 2


@pytest.mark.parametrize("game,index", SAMPLES)
def test_alphago_stone_planes(game: int, index: int):
    positions = GAMES[game][:index + 1]
    state = positions[-1]
    planes = encoder_named("alphago48").encode(state)
    me, ages = state.to_play, turns_since(positions)
    assert (planes[ag.ONES] == 1).all() and (planes[ag.ZEROS] == 0).all()
    for p in range(state.size ** 2):
        v = state.color_at(p)
        assert [plane_at(planes, k, p) for k in range(3)] == [v == me, v == -me, v == 0]
        turns = planes[ag.TURNS_SINCE:ag.TURNS_SINCE + 8, p // state.size, p % state.size]
        libs = planes[ag.LIBERTIES:ag.LIBERTIES + 8, p // state.size, p % state.size]
        if v == 0:
            assert turns.sum() == 0 and libs.sum() == 0
        else:
            assert turns.sum() == 1 and turns[min(ages[p], 8) - 1] == 1
            assert libs.sum() == 1 and libs[min(state.liberties(p), 8) - 1] == 1


@pytest.mark.parametrize("game,index", SAMPLES)
def test_alphago_move_planes(game: int, index: int):
    state = GAMES[game][index]
    planes = encoder_named("alphago48").encode(state)
    legal = state.legal_mask().copy()
    n = state.size
    for p in range(n * n):
        column = planes[ag.CAPTURE_SIZE:ag.SENSIBLENESS + 1, p // n, p % n]
        if not legal[p]:
            assert column.sum() == 0
            continue
        after = state.copy()
        captured = after.play(p)
        libs, size = after.liberties(p), after.chain_size(p)
        assert plane_at(planes, ag.CAPTURE_SIZE + min(captured, 7), p) == 1
        assert planes[ag.CAPTURE_SIZE:ag.CAPTURE_SIZE + 8, p // n, p % n].sum() == 1
        assert plane_at(planes, ag.LIBERTIES_AFTER + min(libs, 8) - 1, p) == (libs > 0)
        self_atari = planes[ag.SELF_ATARI_SIZE:ag.SELF_ATARI_SIZE + 8, p // n, p % n]
        if libs == 1:  # (a suicide removes its stones: libs 0, size 0)
            assert self_atari.sum() == 1 and self_atari[min(size, 8) - 1] == 1
        elif libs > 1:
            assert self_atari.sum() == 0
        assert plane_at(planes, ag.SENSIBLENESS, p) == (not is_own_eye(state, p, state.to_play))
        assert plane_at(planes, ag.LADDER_CAPTURE, p) == is_ladder_capture(state, p)
        if plane_at(planes, ag.LADDER_CAPTURE, p):
            chased = [q for q in after.nbr[p] if q >= 0 and after.color_at(q) == -state.to_play
                      and after.liberties(q) == 1]
            assert any(ladder_captured(after, q) for q in chased)


def test_suicide_is_marked_as_a_self_atari_under_tromp_taylor():
    state = GameState.from_diagram("""
        . X O .
        X X O .
        O O O .
        . . . .
    """, ruleset=TROMP_TAYLOR, to_play=BLACK)
    planes = encoder_named("alphago48").encode(state)
    assert state.is_legal(0)  # A4 takes black's own three stones off
    assert plane_at(planes, ag.SELF_ATARI_SIZE + 3, 0) == 1
    assert planes[ag.LIBERTIES_AFTER:ag.LIBERTIES_AFTER + 8, 0, 0].sum() == 0


def test_ladder_planes_on_a_diagram():
    state = GameState.from_diagram("""
        . . . . . . .
        . . . . . . .
        . . . . . . .
        . . O . . . .
        . O X X . . .
        . . O O . . .
        . . . . . . .
    """, to_play=WHITE)
    planes = encoder_named("alphago48").encode(state)
    assert plane_at(planes, ag.LADDER_CAPTURE, from_gtp("E3", 7)) == 1
    assert plane_at(planes, ag.LADDER_CAPTURE, from_gtp("D4", 7)) == 0
    black = state.copy()
    black.to_play = BLACK
    planes = encoder_named("alphago48").encode(black)
    assert planes[ag.LADDER_ESCAPE].sum() == 0  # two liberties: not in atari, nothing to run


def test_handicap_stones_count_as_played_before_the_first_move():
    state = GameState(9)
    state.setup(black=[from_gtp("C3", 9), from_gtp("G7", 9)], to_play=WHITE)
    state.play(from_gtp("E5", 9))
    planes = encoder_named("alphago48").encode(state)
    assert plane_at(planes, ag.TURNS_SINCE, from_gtp("E5", 9)) == 1
    assert plane_at(planes, ag.TURNS_SINCE + 1, from_gtp("C3", 9)) == 1


@pytest.mark.parametrize("game", range(len(GAMES)))
def test_agz17_history(game: int):
    positions = GAMES[game]
    encoder = encoder_named("agz17")
    for t in range(0, len(positions), 5):
        state = positions[t]
        planes = encoder.encode(state)
        me = state.to_play
        for i in range(8):
            if t - i < 0:
                assert planes[2 * i].sum() == 0 and planes[2 * i + 1].sum() == 0
                continue
            board = positions[t - i].board
            assert (planes[2 * i] == (board == me)).all()
            assert (planes[2 * i + 1] == (board == -me)).all()
        assert (planes[16] == (me == BLACK)).all()


def test_agz17_starts_from_the_set_up():
    state = GameState(5)
    state.setup(black=[0], white=[24], to_play=WHITE)
    state.play(12)  # white C3; black to move
    planes = encoder_named("agz17").encode(state)
    assert planes[0].sum() == 1 and planes[0, 0, 0] == 1  # own (black) stones now
    assert planes[1].sum() == 2 and planes[1, 2, 2] == planes[1, 4, 4] == 1
    assert planes[2].sum() == 1 and planes[3].sum() == 1 and planes[3, 4, 4] == 1  # the set-up
    assert planes[4:16].sum() == 0 and (planes[16] == 1).all()


def test_registry():
    assert encoder_names() == ["agz17", "alphago48", "alphago49"]
    for name, encoder in ENCODERS.items():
        assert encoder.name == name
        assert len(encoder.plane_names) == encoder.planes
    assert [ENCODERS[n].planes for n in encoder_names()] == [17, 48, 49]
    with pytest.raises(ValueError, match="unknown feature encoder 'agz18'.*agz17"):
        encoder_named("agz18")


@pytest.mark.parametrize("name", ["agz17", "alphago48", "alphago49"])
def test_batches_and_buffers(name: str):
    encoder = encoder_named(name)
    states = [GAMES[1][i] for i in (0, 10, 30)]
    batch = encoder.encode_batch(states)
    assert batch.shape == (3, encoder.planes, 9, 9) and batch.dtype == np.uint8
    floats = np.full((3, encoder.planes, 9, 9), 7, dtype=np.float32)
    encoder.encode_batch(states, out=floats)
    assert (floats == batch).all()
    for i, state in enumerate(states):
        assert (encoder.encode(state) == batch[i]).all()
    with pytest.raises(ValueError, match="shape"):
        encoder.encode(states[0], out=np.zeros((1, 9, 9), np.uint8))
    with pytest.raises(ValueError, match="dtype"):
        encoder.encode(states[0], out=np.zeros((encoder.planes, 9, 9), np.int64))
    with pytest.raises(ValueError, match="several board sizes"):
        encoder.encode_batch([states[0], GAMES[0][3]])


def test_player_colour_plane():
    black, white = GAMES[1][10], GAMES[1][11]
    encoder = encoder_named("alphago49")
    assert (encoder.encode(black)[ag.PLAYER_COLOUR] == (black.to_play == BLACK)).all()
    assert (encoder.encode(white)[ag.PLAYER_COLOUR] == (white.to_play == BLACK)).all()
    assert (encoder.encode(black)[:48] == encoder_named("alphago48").encode(black)).all()
