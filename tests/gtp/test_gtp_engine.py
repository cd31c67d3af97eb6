"""GtpEngine in-process: transcripts of commands and the replies GTP 2 (and GNU Go) give.

A transcript is text in which a line ``> command`` is sent to the engine and the lines after it,
up to the next ``>`` line, are the expected response without its final empty line. Trailing
spaces are ignored on both sides, so ``=`` stands for the response ``= `` (an empty result).
"""

from __future__ import annotations

import io

import pytest

from dosaku.agents.base import RESIGN
from dosaku.agents.random_agent import RandomAgent
from dosaku.gtp.engine import GtpEngine
from dosaku.rules.ruleset import CHINESE, TROMP_TAYLOR, Ruleset
from dosaku.rules.types import BLACK, WHITE


def make_engine(size: int = 5, komi: float = 7.5, ruleset: Ruleset = CHINESE,
                agent=None) -> GtpEngine:
    return GtpEngine(agent or RandomAgent(0), size=size, komi=komi, ruleset=ruleset)


def exchanges(transcript: str) -> list[tuple[str, str]]:
    """(command, expected reply) pairs of a transcript."""
    pairs: list[tuple[str, list[str]]] = []
    for line in transcript.strip("\n").splitlines():
        if line.startswith(">"):
            pairs.append((line[1:].strip(), []))
        elif pairs:
            pairs[-1][1].append(line.rstrip())
        elif line.strip():
            raise ValueError(f"transcript must start with a command: {line!r}")
    return [(command, "\n".join(reply).strip("\n")) for command, reply in pairs]


def reply(engine: GtpEngine, command: str) -> str:
    """The engine's response to one command, without the final empty line; trailing spaces
    of each line removed. Asserts that the response ends with exactly one empty line."""
    response = engine.handle(command)
    assert response is not None, f"no response to {command!r}"
    assert response.endswith("\n\n") and not response.endswith("\n\n\n"), repr(response)
    assert "\n\n" not in response[:-2], f"empty line inside the response {response!r}"
    return "\n".join(line.rstrip() for line in response[:-2].split("\n"))


def check_transcript(engine: GtpEngine, transcript: str) -> None:
    """Send every command of ``transcript`` and assert each reply is the expected one."""
    for command, expected in exchanges(transcript):
        got = reply(engine, command)
        assert got == expected, f"> {command}\nexpected:\n{expected}\ngot:\n{got}"


# The ko of these tests, on 5x5 after `KO_MOVES`: black D3 has just taken white C3.
#      A B C D E
#    5 . . . . X
#    4 . . X O .
#    3 . X . X O
#    2 . . X O .
#    1 . . . . .
KO_MOVES = ["b B3", "w C3", "b C4", "w D4", "b C2", "w D2", "b E5", "w E3", "b D3"]


def play_all(engine, moves):
    for move in moves:
        assert reply(engine, f"play {move}") == "="


def snapshot(engine):
    """Everything a failed command must leave as it was."""
    s = engine.state
    return (s.size, s.komi, s.ruleset, s.to_play, s.stones.tobytes(), tuple(s.moves),
            tuple(s.setup_stones), dict(s.prisoners), s.passes, s.ko_point, engine.handicap)


# -- administration -----------------------------------------------------------------------------

def test_administrative_commands_and_ids():
    check_transcript(make_engine(), """
> protocol_version
= 2
> 1 name
=1 dosaku
> 2 known_command play
=2 true
> known_command kata-set-rules
= true
> known_command PLAY
= false
> known_command frobnicate
= false
> 3 frobnicate
?3 unknown command
> PLAY b C3
? unknown command
> 0 quit
=0
""")


def test_list_commands_has_every_required_command():
    listed = set(reply(make_engine(), "list_commands").removeprefix("= ").split("\n"))
    required = {"protocol_version", "name", "version", "known_command", "list_commands",
                "quit", "boardsize", "clear_board", "komi", "play", "genmove", "undo",
                "showboard", "final_score", "final_status_list", "fixed_handicap",
                "place_free_handicap", "set_free_handicap", "loadsgf", "printsgf",
                "time_settings", "time_left", "kgs-time_settings", "kgs-genmove_cleanup",
                "is_legal", "list_stones", "kata-set-rules", "kata-get-rules", "reg_genmove"}
    assert required <= listed


def test_comments_blank_lines_and_control_characters():
    engine = make_engine()
    assert engine.handle("") is None
    assert engine.handle("   \t \n") is None
    assert engine.handle("# just a comment\n") is None
    assert engine.handle("\x01\x02\n") is None
    assert reply(engine, "4 name # which engine?") == "=4 dosaku"
    assert reply(engine, "5\tplay\tb\tC3\r") == "=5"
    assert reply(engine, "na\x07me") == "= dosaku"
    assert reply(engine, "12") == "?12 missing command name"


def test_run_loop_writes_exact_responses_and_stops_at_quit():
    engine = make_engine()
    inp = io.StringIO("1 boardsize 3\n# hello\n\nplay b B2\n2 list_stones black\nplay b B2\n"
                      "quit\nname\n")
    out = io.StringIO()
    engine.run(inp, out)
    assert out.getvalue() == "=1 \n\n= \n\n=2 B2\n\n? illegal move\n\n= \n\n"
    assert inp.readline() == "name\n", "the engine read past quit"


def test_run_loop_ends_at_end_of_input():
    out = io.StringIO()
    make_engine().run(io.StringIO("name"), out)  # last line without newline
    assert out.getvalue() == "= dosaku\n\n"


# -- errors leave the engine unchanged ----------------------------------------------------------

BAD_COMMANDS = [
    ("play b C3", "? illegal move"),  # occupied
    ("play x D4", "? invalid color"),
    ("play b Z9", "? invalid coordinate"),
    ("play b I3", "? invalid coordinate"),
    ("play b F3", "? invalid coordinate"),  # off the 5x5 board
    ("play b", "? syntax error: usage: play COLOR VERTEX"),
    ("play b C4 extra", "? syntax error: usage: play COLOR VERTEX"),
    ("boardsize 1", "? unacceptable size"),
    ("boardsize 30", "? unacceptable size"),
    ("boardsize 0", "? unacceptable size"),
    ("boardsize -5", "? unacceptable size"),
    ("boardsize nine", "? syntax error: 'nine' is not an integer"),
    ("komi lots", "? syntax error: 'lots' is not a number"),
    ("komi nan", "? syntax error: 'nan' is not a finite number"),
    ("komi", "? syntax error: usage: komi NUMBER"),
    ("fixed_handicap 2", "? board not empty"),
    ("set_free_handicap A1 B1", "? board not empty"),
    ("place_free_handicap 2", "? board not empty"),
    ("genmove purple", "? invalid color"),
    ("is_legal b", "? syntax error: usage: is_legal COLOR VERTEX"),
    ("list_stones", "? syntax error: usage: list_stones COLOR"),
    ("final_status_list undecided", "? syntax error: status must be alive, dead or seki"),
    ("loadsgf", "? syntax error: usage: loadsgf FILE [MOVE_NUMBER]"),
    ("kata-set-rules chess", "? unknown rules 'chess'; known: chinese, tromp-taylor, japanese"),
    ("time_settings 1 2", "? syntax error: usage: time_settings MAIN_TIME BYO_YOMI_TIME "
                          "BYO_YOMI_STONES"),
    ("time_left b ten 0", "? syntax error: 'ten' is not a number"),
    ("kgs-time_settings byoyomi 1", None),
    ("bogus", "? unknown command"),
]


@pytest.mark.parametrize("command, expected", BAD_COMMANDS, ids=[c for c, _ in BAD_COMMANDS])
def test_failures_answer_and_change_nothing(command, expected):
    engine = make_engine()
    play_all(engine, ["b C3", "w D4"])
    before, board = snapshot(engine), reply(engine, "showboard")
    got = reply(engine, command)
    assert got.startswith("? ")
    if expected is not None:
        assert got == expected
    assert snapshot(engine) == before
    assert reply(engine, "showboard") == board


def test_illegal_ko_recapture_changes_nothing():
    engine = make_engine()
    play_all(engine, KO_MOVES)
    before = snapshot(engine)
    assert reply(engine, "play w C3") == "? illegal move"
    assert snapshot(engine) == before


def test_handler_exception_is_an_internal_error_and_the_engine_goes_on():
    class Broken:
        name = "broken"

        def select_move(self, state):
            raise RuntimeError("no idea")

    engine = make_engine(agent=Broken())
    before = snapshot(engine)
    assert reply(engine, "7 genmove b") == "?7 internal error: RuntimeError: no idea"
    assert snapshot(engine) == before
    assert reply(engine, "play b C3") == "="


def test_illegal_agent_move_is_an_internal_error():
    class Stubborn:
        name = "stubborn"

        def select_move(self, state):
            return 12  # C3 on 5x5, whatever the board

    engine = make_engine(agent=Stubborn())
    play_all(engine, ["w C3"])
    before = snapshot(engine)
    assert reply(engine, "genmove b").startswith("? internal error: IllegalMoveError")
    assert snapshot(engine) == before


# -- the board: play, is_legal, list_stones, undo, showboard ------------------------------------

def test_ko_is_legal_and_list_stones():
    engine = make_engine()
    play_all(engine, KO_MOVES)
    check_transcript(engine, """
> list_stones black
= E5 C4 B3 D3 C2
> list_stones white
= D4 E3 D2
> list_stones b
= E5 C4 B3 D3 C2
> is_legal w C3
= 0
> is_legal b C3
= 1
> is_legal w D3
= 0
> is_legal w pass
= 1
> play w A1
=
> play b A5
=
> is_legal w C3
= 1
> play w C3
=
> list_stones black
= A5 E5 C4 B3 C2
""")


def test_suicide_chinese_versus_tromp_taylor():
    # White B1 would join A1 in a chain with no liberty: a two-stone suicide.
    #    A B C
    #  2 X X .
    #  1 O . X
    moves = ["w A1", "b A2", "b B2", "b C1"]
    chinese = make_engine()
    play_all(chinese, moves)
    assert reply(chinese, "is_legal w B1") == "= 0"
    assert reply(chinese, "play w B1") == "? illegal move"
    tt = make_engine(ruleset=TROMP_TAYLOR)
    play_all(tt, moves)
    check_transcript(tt, """
> is_legal w B1
= 1
> play w B1
=
> list_stones white
=
> list_stones black
= A2 B2 C1
""")


def test_single_stone_suicide_is_illegal_under_every_ruleset():
    for ruleset in ("chinese", "tromp-taylor", "japanese"):
        engine = make_engine()
        assert reply(engine, f"kata-set-rules {ruleset}") == "="
        play_all(engine, ["b A2", "b B1"])
        assert reply(engine, "is_legal w A1") == "= 0", ruleset


def test_undo_restores_captures_and_runs_out():
    engine = make_engine()
    play_all(engine, KO_MOVES)
    check_transcript(engine, """
> undo
=
> list_stones white
= D4 C3 E3 D2
> list_stones black
= E5 C4 B3 C2
> is_legal b D3
= 1
""")
    for _ in KO_MOVES[:-1]:
        assert reply(engine, "undo") == "="
    assert reply(engine, "undo") == "? cannot undo"
    assert reply(engine, "list_stones black") == "="


def test_showboard_draws_the_state():
    engine = make_engine(size=3)
    play_all(engine, ["b B2", "w A1"])
    board = reply(engine, "showboard")
    assert board == "=\n" + "\n".join(line.rstrip() for line in str(engine.state).split("\n"))
    assert " 2 . X . " in board or " 2 . X .  2" in board


def test_play_either_colour_in_any_order_and_case():
    check_transcript(make_engine(), """
> play BLACK c3
=
> play Black d4
=
> play w PASS
=
> play W e5
=
> list_stones black
= D4 C3
> list_stones white
= E5
""")


def test_boardsize_and_clear_board_empty_the_board():
    check_transcript(make_engine(), """
> play b C3
=
> boardsize 7
=
> list_stones black
=
> play b G7
=
> clear_board
=
> list_stones black
=
> is_legal b G7
= 1
> boardsize 25
=
> play b Z25
=
> boardsize 2
=
> play b B2
=
""")


# -- scoring ------------------------------------------------------------------------------------

def test_tromp_taylor_final_scores():
    engine = make_engine(ruleset=TROMP_TAYLOR)
    check_transcript(engine, """
> final_score
= W+7.5
> play b C3
=
> final_score
= B+17.5
> komi 25
=
> final_score
= 0
""")
    wall = [f"b C{row}" for row in range(1, 6)] + [f"w D{row}" for row in range(1, 6)]
    engine = make_engine(komi=0.5, ruleset=TROMP_TAYLOR)
    play_all(engine, wall)
    assert reply(engine, "final_score") == "= B+4.5"  # 15 - 10 - 0.5
    play_all(engine, ["w A1"])  # not dead under Tromp-Taylor: A-B is no one's
    assert reply(engine, "final_score") == "= W+6.5"  # 5 - 11 - 0.5
    assert set(reply(engine, "final_status_list alive")[2:].split()) == {
        *(f"C{r}" for r in range(1, 6)), *(f"D{r}" for r in range(1, 6)), "A1"}
    assert reply(engine, "final_status_list dead") == "="


def test_chinese_final_score_removes_a_dead_stone():
    wall = [f"b C{row}" for row in range(1, 6)] + [f"w D{row}" for row in range(1, 6)]
    engine = make_engine(komi=0.5)
    play_all(engine, [*wall, "w A1"])
    assert reply(engine, "final_status_list dead") == "= A1"
    assert reply(engine, "final_score") == "= B+4.5"


def test_kata_rules_switch_and_replay():
    engine = make_engine()
    check_transcript(engine, """
> kata-get-rules
= chinese
> kata-set-rules tromp-taylor
=
> kata-get-rules
= tromp-taylor
> play w A1
=
> play b A2
=
> play b B2
=
> play b C1
=
> play w B1
=
> kata-set-rules chinese
? the game so far is illegal under chinese: move 5 (W B1): illegal: suicide
> kata-get-rules
= tromp-taylor
> undo
=
> kata-set-rules japanese
=
> kata-get-rules
= japanese
> list_stones black
= A2 B2 C1
""")


# -- handicap -----------------------------------------------------------------------------------

# What GNU Go 3.8 answers to fixed_handicap N (GTP does not fix the order, so sets compare).
GNUGO_FIXED = {
    9: {2: "G7 C3", 3: "C7 G7 C3", 4: "C7 G7 C3 G3", 5: "C7 G7 E5 C3 G3",
        6: "C7 G7 C5 G5 C3 G3", 7: "C7 G7 C5 E5 G5 C3 G3", 8: "C7 E7 G7 C5 G5 C3 E3 G3",
        9: "C7 E7 G7 C5 E5 G5 C3 E3 G3"},
    19: {2: "Q16 D4", 3: "D16 Q16 D4", 4: "D16 Q16 D4 Q4", 5: "D16 Q16 K10 D4 Q4",
         6: "D16 Q16 D10 Q10 D4 Q4", 7: "D16 Q16 D10 K10 Q10 D4 Q4",
         8: "D16 K16 Q16 D10 Q10 D4 K4 Q4", 9: "D16 K16 Q16 D10 K10 Q10 D4 K4 Q4"},
}


@pytest.mark.parametrize("size", sorted(GNUGO_FIXED))
def test_fixed_handicap_matches_gnugo(size):
    for count, gnugo in GNUGO_FIXED[size].items():
        engine = make_engine(size=size)
        answer = reply(engine, f"fixed_handicap {count}")
        assert answer.startswith("= ")
        assert sorted(answer[2:].split()) == sorted(gnugo.split()), count
        assert sorted(reply(engine, "list_stones black")[2:].split()) == sorted(gnugo.split())
        assert engine.state.to_play == WHITE
        assert engine.handicap == count


def test_fixed_handicap_refusals():
    engine = make_engine(size=9)
    check_transcript(engine, """
> fixed_handicap 1
? invalid number of stones
> fixed_handicap 10
? invalid number of stones
> fixed_handicap two
? syntax error: 'two' is not an integer
> boardsize 5
=
> fixed_handicap 2
? invalid number of stones
> boardsize 8
=
> fixed_handicap 5
? invalid number of stones
""")
    assert len(reply(engine, "fixed_handicap 4").split()) == 5
    assert reply(engine, "fixed_handicap 2") == "? board not empty"


def test_set_free_handicap():
    check_transcript(make_engine(size=5), """
> set_free_handicap A1
? bad vertex list
> set_free_handicap A1 A1
? bad vertex list
> set_free_handicap A1 pass
? bad vertex list
> set_free_handicap A1 Z1
? bad vertex list
> list_stones black
=
> set_free_handicap A1 C3 E5
=
> list_stones black
= E5 C3 A1
> set_free_handicap B2 B3
? board not empty
> play w B2
=
""")
    many = " ".join(f"{c}{r}" for c in "ABCDE" for r in range(1, 6))
    check_transcript(make_engine(size=5), f"""
> set_free_handicap {many}
? bad vertex list
> set_free_handicap {many.rsplit(' ', 1)[0]}
=
""")


@pytest.mark.parametrize("size", [2, 3, 5, 9, 19])
def test_place_free_handicap_places_the_number_asked(size):
    for count in sorted({2, 3, 5, 9, 10, size * size // 2, size * size - 1}):
        if not 2 <= count <= size * size - 1:
            continue
        engine = make_engine(size=size)
        answer = reply(engine, f"place_free_handicap {count}")
        vertices = answer[2:].split()
        assert len(vertices) == len(set(vertices)) == count, (size, count)
        assert sorted(reply(engine, "list_stones black")[2:].split()) == sorted(vertices)
        assert engine.state.to_play == WHITE
    assert reply(make_engine(size=size), f"place_free_handicap {size * size}") == \
        "? invalid number of stones"


def test_place_free_handicap_uses_fixed_placement():
    assert sorted(reply(make_engine(size=19), "place_free_handicap 4")[2:].split()) == \
        sorted(GNUGO_FIXED[19][4].split())


# -- moves chosen by the agent ------------------------------------------------------------------

def test_genmove_plays_legal_moves_until_both_pass():
    engine = make_engine(size=5)
    color, answers = "b", []
    for _ in range(200):
        answer = reply(engine, f"genmove {color}")
        assert answer.startswith("= ")
        answers.append(answer[2:])
        if engine.state.is_over:
            break
        color = "w" if color == "b" else "b"
    assert engine.state.is_over and answers[-2:] == ["pass", "pass"]
    assert len(engine.state.moves) == len(answers)


def test_genmove_for_the_side_not_to_move():
    engine = make_engine(size=5)
    answer = reply(engine, "genmove white")[2:]
    assert engine.state.moves[-1][0] == WHITE and engine.state.to_play == BLACK
    assert reply(engine, "list_stones white") == f"= {answer}"


def test_reg_genmove_does_not_play_and_cleanup_does():
    engine = make_engine(size=5)
    before = snapshot(engine)
    assert reply(engine, "reg_genmove b").startswith("= ")
    assert snapshot(engine) == before
    move = reply(engine, "kgs-genmove_cleanup b")[2:]
    assert reply(engine, "list_stones b") == f"= {move}"


def test_genmove_resign_leaves_the_board():
    class Resigner:
        name = "resigner"

        def select_move(self, state):
            return RESIGN

    engine = make_engine(agent=Resigner())
    before = snapshot(engine)
    assert reply(engine, "genmove b") == "= resign"
    assert snapshot(engine) == before


# -- files --------------------------------------------------------------------------------------

def test_printsgf_loadsgf_round_trip(tmp_path):
    engine = make_engine(komi=6.5)
    play_all(engine, KO_MOVES)
    path = tmp_path / "game.sgf"
    assert reply(engine, f"printsgf {path}") == "="
    text = reply(engine, "printsgf")
    assert text.startswith("= (;") and "SZ[5]" in text and "KM[6.5]" in text
    black, white = reply(engine, "list_stones b"), reply(engine, "list_stones w")
    check_transcript(engine, f"""
> boardsize 9
=
> komi 0
=
> loadsgf {path}
= white
> list_stones b
{black}
> list_stones w
{white}
> is_legal w C3
= 0
> loadsgf {path} 9
= black
> list_stones b
= E5 C4 B3 C2
> loadsgf {path} 1
= black
> list_stones w
=
> loadsgf {path} 999
= white
""")
    assert engine.komi == engine.state.komi == 6.5
    assert reply(engine, "undo") == "="


def test_printsgf_keeps_handicap(tmp_path):
    engine = make_engine(size=9)
    reply(engine, "fixed_handicap 3")
    play_all(engine, ["w E5"])
    path = tmp_path / "h.sgf"
    reply(engine, f"printsgf {path}")
    text = path.read_text()
    assert "HA[3]" in text and "AB[" in text
    other = make_engine(size=19)
    assert reply(other, f"loadsgf {path}") == "= black"
    assert other.handicap == 3
    assert reply(other, "list_stones w") == "= E5"


def test_loadsgf_failures_change_nothing(tmp_path):
    engine = make_engine()
    play_all(engine, ["b C3"])
    before = snapshot(engine)
    bad = tmp_path / "bad.sgf"
    bad.write_text("(;SZ[5];B[cc];W[cc])")  # W plays on an occupied point
    for command in (f"loadsgf {tmp_path / 'missing.sgf'}", f"loadsgf {bad}",
                    f"loadsgf {bad} zero", f"loadsgf {bad} 0"):
        assert reply(engine, command).startswith("? "), command
        assert snapshot(engine) == before
    assert "illegal: occupied" in reply(engine, f"loadsgf {bad}")


# -- time ---------------------------------------------------------------------------------------

def test_time_commands_are_stored():
    engine = make_engine()
    check_transcript(engine, """
> time_settings 300 30 5
=
> time_left b 120.5 3
=
> kgs-time_settings byoyomi 600 30 5
=
""")
    assert engine.time_settings.system == "byoyomi"
    assert (engine.time_settings.main_time, engine.time_settings.periods) == (600, 5)
    assert engine.time_left[BLACK] == (120.5, 3)
    for command in ("kgs-time_settings none", "kgs-time_settings absolute 60",
                    "kgs-time_settings canadian 60 300 25"):
        assert reply(engine, command) == "="
    assert engine.time_settings.system == "canadian"


def test_transcript_reader():
    assert exchanges("> name\n= dosaku\n> showboard\n=\n a\n b\n") == [
        ("name", "= dosaku"), ("showboard", "=\n a\n b")]
