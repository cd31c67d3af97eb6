"""SearchConfig.tidy_pass: the pass is searched only when ahead or when only own eyes remain."""

from dosaku.rules.game import GameState
from dosaku.rules.types import BLACK, WHITE
from dosaku.search.evaluator import UniformEvaluator
from dosaku.search.puct import Search, SearchConfig

N = 5


def pt(row, col):
    return row * N + col


def root_moves(state, tidy=True):
    search = Search(UniformEvaluator(), SearchConfig(tidy_pass=tidy, min_pass_move=0), seed=0)
    return set(int(m) for m in search.run(state, 1).moves)


def walls(to_play, komi=0.5):
    """Black wall on column 2, White wall on column 3: Black 15 points, White 10."""
    state = GameState(N, komi)
    state.setup(black=[pt(r, 2) for r in range(N)], white=[pt(r, 3) for r in range(N)],
                to_play=to_play)
    return state


def test_the_side_ahead_may_pass_the_side_behind_may_not():
    pass_move = N * N
    assert pass_move in root_moves(walls(BLACK))  # Black leads 15-10
    assert pass_move not in root_moves(walls(WHITE))  # White is behind and has moves
    assert pass_move in root_moves(walls(WHITE), tidy=False)  # the option is what removes it
    assert pass_move in root_moves(walls(WHITE, komi=10.5))  # komi puts White ahead


def test_pass_is_kept_when_only_own_eyes_are_left():
    """White fills the board but for two eyes and is behind on komi: filling an eye is its
    only other move, so it may pass; open one more point and it may not."""
    eyes = {pt(0, 0), pt(2, 2)}
    state = GameState(N, komi=-30.5)
    state.setup(white=[p for p in range(N * N) if p not in eyes], to_play=WHITE)
    moves = root_moves(state)
    assert N * N in moves and eyes <= moves
    state = GameState(N, komi=-30.5)
    open_point = pt(4, 4)  # not an eye: (4, 3) and (3, 4) are empty too
    empties = eyes | {open_point, pt(4, 3), pt(3, 4)}
    state.setup(white=[p for p in range(N * N) if p not in empties], to_play=WHITE)
    assert N * N not in root_moves(state)
