"""GNU Go as an oracle for the rules: random games played into both, compared move by move.

After every move the stones must agree (``list_stones``). At a few positions per game the
legality of every empty point, for both colours, must agree with GNU Go's ``is_legal`` where the
rulesets agree: GNU Go (``--chinese-rules``) forbids suicide as we do under Chinese rules but
knows only simple ko, so points dosaku forbids for superko are skipped. The games mix the
random agent's moves with uniformly random legal ones (eye fills included), so captures of
large chains, suicide points and kos all come up. Fixed handicap placement is compared too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from dosaku.agents.random_agent import RandomAgent
from dosaku.io.gtp_protocol import GtpClient, GtpError
from dosaku.rules.coords import from_gtp, to_gtp
from dosaku.rules.game import GameState
from dosaku.rules.handicap import fixed_handicap
from dosaku.rules.ruleset import CHINESE
from dosaku.rules.types import BLACK, WHITE

GNUGO = Path("/usr/games/gnugo")
if not GNUGO.exists() and shutil.which("gnugo"):
    GNUGO = Path(shutil.which("gnugo"))

pytestmark = [pytest.mark.engine,
              pytest.mark.skipif(not GNUGO.exists(), reason="GNU Go is not installed")]

GAMES = {5: 30, 7: 20, 9: 15, 13: 6, 19: 4}  # board size: number of games
SWEEPS_PER_GAME = 3  # at random move numbers; also at about a third of the kos
COLOR_WORDS = {BLACK: "black", WHITE: "white"}


@pytest.fixture(scope="module")
def gnugo():
    with GtpClient([str(GNUGO), "--mode", "gtp", "--chinese-rules"], timeout=30) as client:
        yield client


def random_move(state: GameState, agent: RandomAgent, rng: np.random.Generator) -> int:
    """Mostly the random agent; sometimes any legal point (eye fills too); rarely a pass."""
    roll = rng.random()
    if roll < 0.02:
        return state.pass_move
    if roll < 0.15:
        points = np.flatnonzero(state.legal_mask()[:-1])
        if len(points):
            return int(rng.choice(points))
    return agent.select_move(state)


def stones_of(gnugo: GtpClient, color: int, size: int) -> set[int]:
    return {from_gtp(v, size) for v in gnugo.send(f"list_stones {COLOR_WORDS[color]}").split()}


def compare_legality(gnugo: GtpClient, state: GameState, where: str) -> int:
    """Assert GNU Go agrees on every empty point for both colours; returns points compared."""
    compared = 0
    for color in (BLACK, WHITE):
        for p in np.flatnonzero(state.stones == 0):
            reason = state.illegal_reason(int(p), color)
            if reason == "superko":
                continue
            vertex = to_gtp(int(p), state.size)
            theirs = gnugo.send(f"is_legal {COLOR_WORDS[color]} {vertex}") == "1"
            assert theirs == (reason is None), (
                f"{where}: is_legal {COLOR_WORDS[color]} {vertex}: GNU Go {theirs}, "
                f"dosaku {reason or 'legal'}\n{state}")
            compared += 1
    return compared


def play_game(gnugo: GtpClient, size: int, seed: int) -> tuple[int, int]:
    """One random game in both engines; returns (moves played, legality points compared)."""
    rng = np.random.default_rng(seed)
    agent = RandomAgent(rng)
    state = GameState(size, 7.5, CHINESE)
    gnugo.send(f"boardsize {size}")
    gnugo.send("clear_board")
    limit = 3 * size * size
    sweeps = set(rng.integers(0, size * size, SWEEPS_PER_GAME).tolist())
    compared = 0
    while not state.is_over and len(state.moves) < limit:
        where = f"size {size} seed {seed} move {len(state.moves) + 1}"
        if len(state.moves) in sweeps or (state.ko_point >= 0 and rng.random() < 0.3):
            compared += compare_legality(gnugo, state, where)
        color, move = state.to_play, random_move(state, agent, rng)
        state.play(move)
        try:
            gnugo.send(f"play {COLOR_WORDS[color]} {to_gtp(move, size)}")
        except GtpError as e:
            pytest.fail(f"{where}: GNU Go refused {to_gtp(move, size)} ({e})\n{state}")
        for c in (BLACK, WHITE):
            assert stones_of(gnugo, c, size) == set(np.flatnonzero(state.stones == c).tolist()), \
                f"{where}: {COLOR_WORDS[c]} stones differ after {to_gtp(move, size)}\n{state}"
    compared += compare_legality(gnugo, state, f"size {size} seed {seed} end")
    return len(state.moves), compared


@pytest.mark.parametrize("size", sorted(GAMES))
def test_random_games_agree_with_gnugo(gnugo, size):
    moves = compared = 0
    for game in range(GAMES[size]):
        m, c = play_game(gnugo, size, seed=1000 * size + game)
        moves, compared = moves + m, compared + c
    assert moves > GAMES[size] * size and compared > 0


# GNU Go 3.8 puts 12x12 handicap stones on the 4-4 points; the GTP specification (and gomill,
# and dosaku) use the 3-3 points below 13x13.
GNUGO_DEPARTS_FROM_GTP = pytest.mark.xfail(strict=True, reason="GNU Go uses 4-4 points on 12x12")


@pytest.mark.parametrize("size", [pytest.param(n, marks=GNUGO_DEPARTS_FROM_GTP) if n == 12 else n
                                  for n in range(7, 20)])
def test_fixed_handicap_agrees_with_gnugo(gnugo, size):
    gnugo.send(f"boardsize {size}")
    for count in range(2, 11):
        gnugo.send("clear_board")
        try:
            answer = gnugo.send(f"fixed_handicap {count}")
            theirs = sorted(from_gtp(v, size) for v in answer.split())
        except GtpError:
            theirs = None
        try:
            ours = sorted(fixed_handicap(size, count))
        except ValueError:
            ours = None
        assert ours == theirs, f"{size}x{size}, {count} stones"
