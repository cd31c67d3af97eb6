"""Reading and writing single SGF games (dosaku.io.sgf): golden files and round trips."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosaku import __version__
from dosaku.io import GameRecord, SgfError, game_state, read_sgf, record_from_state, write_sgf
from dosaku.rules.game import GameState
from dosaku.rules.ruleset import CHINESE, JAPANESE, TROMP_TAYLOR
from dosaku.rules.types import BLACK, WHITE

DATA = Path(__file__).parents[1] / "data"
AP = re.compile(rb"AP\[[^\]]*\]")


def read_file(name: str) -> GameRecord:
    return read_sgf((DATA / name).read_bytes(), source=name)


# -- golden files ----------------------------------------------------------------------------

def test_golden_game_reads_every_field():
    record = read_file("handicap-9x9.sgf")
    assert (record.size, record.komi, record.handicap) == (9, 0.5, 2)
    assert (record.rules_text, record.rules) == ("Japanese", "japanese")
    # AB[cc][gg] AW[ii]: cc = C7 = (2, 2), gg = G3 = (6, 6), ii = J1 = (8, 8).
    assert record.setup_black == (2 * 9 + 2, 6 * 9 + 6)
    assert record.setup_white == (80,)
    assert record.first_player == WHITE
    pass9 = 81  # B[] and W[tt] are both passes; the B[dd] variation is not on the main line
    assert record.moves == ((WHITE, 24), (BLACK, 56), (WHITE, 40), (BLACK, pass9),
                            (WHITE, pass9), (BLACK, 22), (WHITE, pass9), (BLACK, pass9))
    assert record.comments == {0: "Two-stone handicap [9x9]: white to play.\nSecond line.",
                               1: "White takes the corner.", 4: "Black passes."}
    assert (record.black_player, record.black_rank) == ("Black Stone", "3k")
    assert (record.white_player, record.white_rank) == ("White Stone", "2d")
    assert (record.date, record.event, record.place) == ("2024-05-01", "Club night", "Kyoto")
    assert record.result == "W+2.5" and record.outcome.winner == WHITE
    assert record.outcome.margin == 2.5


def test_golden_game_replays_to_its_final_position():
    state = game_state(read_file("handicap-9x9.sgf"))
    assert state.ruleset == JAPANESE and state.is_over
    assert state.to_diagram() == "\n".join([
        ". . . . . . . . .",
        ". . . . . . . . .",
        ". . X . X . O . .",
        ". . . . . . . . .",
        ". . . . O . . . .",
        ". . . . . . . . .",
        ". . X . . . X . .",
        ". . . . . . . . .",
        ". . . . . . . . O"])


def test_golden_game_writes_the_golden_output():
    written = write_sgf(read_file("handicap-9x9.sgf"))
    golden = (DATA / "handicap-9x9.written.sgf").read_bytes()
    assert AP.sub(b"", written) == AP.sub(b"", golden)
    assert f"AP[dosaku:{__version__}]".encode() in written
    assert b"tt" not in written  # passes are written B[] / W[], never the FF[3] tt


def test_malformed_file_names_source_and_game():
    with pytest.raises(SgfError) as info:
        read_file("malformed.sgf")
    assert str(info.value).startswith("malformed.sgf game 1 (line 1): malformed SGF")


def test_illegal_move_file_names_source_game_line_move_and_reason():
    record = read_file("illegal-move.sgf")  # reading does not judge moves; replaying does
    with pytest.raises(SgfError) as info:
        game_state(record)
    assert str(info.value) == "illegal-move.sgf game 1 (line 2): move 4 (W E5): illegal: occupied"


# -- reading edge cases ----------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("(;GM[1]SZ[9];B[ee];W[zz])", r"move 2 \(W\[zz\]\): .*off a 9x9 board"),
    ("(;GM[1]SZ[9];B[ee];W[E5])", r"move 2 \(W\[E5\]\): invalid SGF point"),
    ("(;GM[1]SZ[26];B[aa])", r"SZ\[26\]"),
    ("(;GM[1]SZ[1])", r"SZ\[1\]"),
    ("(;GM[2]SZ[8])", r"not a game of Go: GM\[2\]"),
    ("(;GM[1]SZ[9]KM[seven])", r"bad KM\[seven\]"),
    ("(;GM[1]SZ[9]KM[nan])", r"bad KM\[nan\]"),
    ("(;GM[1]SZ[9]HA[two])", r"bad HA\[two\]"),
    ("(;GM[1]SZ[9]PL[X])", r"bad PL\[X\]"),
    ("(;GM[1]SZ[9]AB[jj])", r"bad property value"),
    ("(;GM[1]SZ[9];B[ee];AB[aa])", r"set-up stones after move 1"),
    ("(;GM[1]SZ[x])", r"malformed SGF: bad SZ"),
    ("no sgf here", r"no SGF data found"),
    ("", r"no SGF data found"),
])
def test_bad_games_raise_sgf_errors_naming_the_problem(text, words):
    with pytest.raises(SgfError, match=r"^t\.sgf game 1( \(line 1\))?: .*" + words):
        read_sgf(text, source="t.sgf")


def test_reads_the_chosen_game_of_a_collection():
    data = b"(;SZ[9];B[aa])\n\n(;SZ[13];W[bb])\n(;SZ[5])"
    assert read_sgf(data, index=1).size == 13
    assert read_sgf(data, index=1).line == 3
    assert read_sgf(data, index=1).moves == ((WHITE, 13 + 1),)
    with pytest.raises(SgfError, match=r"game 4: no such game: the source holds 3"):
        read_sgf(data, index=3)


def test_reads_compressed_point_lists_and_defaults():
    record = read_sgf("(;SZ[5]AB[aa:bb]AE[cc])")  # no GM, no KM: a Go game with komi 0
    assert record.setup_black == (0, 1, 5, 6) and record.setup_empty == (12,)
    assert record.komi == 0.0 and record.handicap == 0 and record.first_player == BLACK


def test_setup_before_the_first_move_is_applied_in_order():
    record = read_sgf("(;SZ[5]AB[aa][bb];AW[aa]AE[bb]C[edited];B[cc])")
    assert record.setup_black == () and record.setup_white == (0,)
    assert record.setup_empty == (6,) and record.comments == {0: "edited"}


def test_player_to_move_comes_from_pl_then_moves_then_handicap():
    assert read_sgf("(;SZ[9]PL[W];B[aa])").first_player == WHITE
    assert read_sgf("(;SZ[9];W[aa])").first_player == WHITE
    assert read_sgf("(;SZ[9]HA[2]AB[cc][gg])").first_player == WHITE
    assert read_sgf("(;SZ[9])").first_player == BLACK


def test_bytes_are_decoded_by_their_charset_and_strings_as_utf8():
    latin1 = "(;CA[ISO-8859-1]SZ[9]PB[Müller])".encode("latin-1")
    assert read_sgf(latin1).black_player == "Müller"
    assert read_sgf("(;CA[ISO-8859-1]SZ[9]PB[Müller])").black_player == "Müller"
    with pytest.raises(SgfError, match="bad property value"):
        read_sgf(b"(;CA[UTF-8]SZ[9]PB[M\xfcller])")


# -- writing ---------------------------------------------------------------------------------

def test_write_a_state_with_metadata():
    state = GameState(9, 7.5, CHINESE)
    state.play(40)
    state.play(state.pass_move)
    data = write_sgf(state, black_player="B", white_player="W", result="B+R",
                     comments={1: "tengen"})
    assert b";B[ee]C[tengen];W[]" in data.replace(b"\n", b"")
    assert b"RU[chinese]" in data and b"KM[7.5]" in data and b"PL[" not in data
    record = read_sgf(data)
    assert record.moves == ((BLACK, 40), (WHITE, 81)) and record.result == "B+R"


def test_write_records_who_plays_first_when_it_cannot_be_inferred():
    record = GameRecord(size=9, handicap=2, setup_black=[20, 60], first_player=BLACK)
    data = write_sgf(record)
    assert b"PL[B]" in data and read_sgf(data) == record


# -- round trips -----------------------------------------------------------------------------

# SGF's awkward characters (escaped ']' and '\\', ':' of composed values, spaces, line breaks)
# half the time, any printable character otherwise. SimpleText fields hold no line breaks.
PRINTABLE = st.characters(blacklist_categories=("Cs", "Cc"))


def sgf_text(awkward: str, max_size: int) -> st.SearchStrategy[str]:
    chars = st.one_of(st.sampled_from(awkward), PRINTABLE)
    return st.lists(chars, max_size=max_size).map("".join)


TEXT = sgf_text(" ]\\:", 12)
COMMENT = sgf_text(" \n]\\:", 20)


@st.composite
def random_games(draw) -> GameState:
    """A random legal game: size 2..19, any preset, random komi, set-up, passes."""
    size = draw(st.integers(2, 19))
    state = GameState(size, draw(st.integers(-20, 30)) / 2,
                      draw(st.sampled_from([CHINESE, JAPANESE, TROMP_TAYLOR])))
    points = draw(st.lists(st.integers(0, size * size - 1), max_size=4, unique=True))
    colors = draw(st.lists(st.booleans(), min_size=len(points), max_size=len(points)))
    try:
        state.setup(black=[p for p, c in zip(points, colors) if c],
                    white=[p for p, c in zip(points, colors) if not c])
    except ValueError:
        pass  # a set-up chain without liberties: play from an empty board instead
    state.to_play = draw(st.sampled_from([BLACK, WHITE]))
    for _ in range(draw(st.integers(0, 40))):
        legal = state.legal_moves()
        move = state.pass_move if draw(st.integers(0, 7)) == 0 else int(
            legal[draw(st.integers(0, len(legal) - 1))])
        state.play(move)
        if state.is_over:
            break
    return state


@st.composite
def random_records(draw) -> tuple[GameState, GameRecord]:
    state = draw(random_games())
    n = len(state.moves)
    comments = draw(st.dictionaries(st.integers(0, n), COMMENT, max_size=3))
    optional = st.one_of(st.none(), TEXT)
    record = record_from_state(
        state, comments=comments, black_player=draw(optional), white_player=draw(optional),
        black_rank=draw(optional), white_rank=draw(optional), date=draw(optional),
        event=draw(optional), place=draw(optional), handicap=draw(st.integers(0, 9)),
        result=draw(st.sampled_from([None, "B+R", "W+3.5", "0", "Void", "B+T"])),
        rules_text=draw(st.sampled_from([state.ruleset.name, None, "Korean", "AGA"])))
    return state, record


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_records())
def test_write_then_read_round_trips_exactly(state_and_record):
    state, record = state_and_record
    data = write_sgf(record)
    back = read_sgf(data)
    assert back == record
    assert write_sgf(back) == data
    replayed = game_state(back, state.ruleset)
    assert replayed.moves == state.moves and replayed.to_play == state.to_play
    assert replayed.position_hash == state.position_hash
    assert (replayed.stones == state.stones).all()


@settings(max_examples=20, deadline=None)
@given(random_games())
def test_unwrapped_output_is_one_line(state):
    data = write_sgf(state, wrap=None)
    assert data.count(b"\n") == 1 and data.endswith(b"\n")
    assert read_sgf(data) == record_from_state(state)


def test_importing_io_does_not_import_torch():
    code = "import sys, dosaku.io; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
