"""GameRecord, results, and replaying records under the rules (dosaku.io.records)."""

from __future__ import annotations

import pytest

from dosaku.io import GameRecord, Result, SgfError, game_state, parse_result, record_from_state
from dosaku.rules.game import GameState
from dosaku.rules.ruleset import CHINESE, JAPANESE, TROMP_TAYLOR
from dosaku.rules.types import BLACK, EMPTY, WHITE

# 5x5 flat indices used below: row * 5 + col, (0, 0) = A5.
A5, B5, A4, B4, C5, C4 = 0, 1, 5, 6, 2, 7
PASS5 = 25


@pytest.mark.parametrize("text, expected", [
    ("B+R", Result(BLACK, reason="resign")),
    ("W+Resign", Result(WHITE, reason="resign")),
    ("b+resign", Result(BLACK, reason="resign")),
    ("B+T", Result(BLACK, reason="time")),
    ("W+Time", Result(WHITE, reason="time")),
    ("W+F", Result(WHITE, reason="forfeit")),
    ("B+0.5", Result(BLACK, margin=0.5)),
    ("W + 12", Result(WHITE, margin=12.0)),
    ("B+", Result(BLACK)),
    ("0", Result(EMPTY)),
    ("Draw", Result(EMPTY)),
    ("Jigo", Result(EMPTY)),
    ("Void", None),
    ("?", None),
    ("B+lots", None),
    (None, None),
])
def test_parse_result(text, expected):
    assert parse_result(text) == expected


@pytest.mark.parametrize("result", [Result(BLACK, margin=3.5), Result(WHITE, reason="resign"),
                                    Result(BLACK, reason="time"), Result(WHITE),
                                    Result(EMPTY), Result(WHITE, margin=10.0)])
def test_result_to_sgf_parses_back(result):
    assert parse_result(result.to_sgf()) == result


@pytest.mark.parametrize("ru, preset", [
    ("Chinese", "chinese"), ("chinese", "chinese"), ("CN", "chinese"),
    ("Japanese", "japanese"), ("JP", "japanese"), ("Korean", "japanese"),
    ("tromp-taylor", "tromp-taylor"), ("TT", "tromp-taylor"), ("Tromp Taylor", "tromp-taylor"),
    ("AGA", None), ("NZ", None), (None, None),
])
def test_rules_text_maps_to_presets(ru, preset):
    record = GameRecord(size=9, rules_text=ru)
    assert record.rules == preset
    assert record.rules_text == ru


def test_record_is_a_value_wherever_it_was_read():
    a = GameRecord(size=5, moves=[(BLACK, A5)], comments={1: "x"}, source="a.sgf", index=3)
    b = GameRecord(size=5, moves=((BLACK, A5),), comments={1: "x"}, source="b.sgf", line=7)
    assert a == b and hash(a) == hash(b)
    assert a.moves == ((BLACK, A5),)
    assert a != GameRecord(size=5, moves=[(WHITE, A5)])


@pytest.mark.parametrize("fields, words", [
    (dict(size=1), "board size"),
    (dict(size=5, moves=[(BLACK, 26)]), "move 1"),
    (dict(size=5, moves=[(EMPTY, 3)]), "move 1"),
    (dict(size=5, setup_black=[25]), "off a 5x5"),
    (dict(size=5, setup_black=[3], setup_white=[3]), "repeats"),
    (dict(size=5, moves=[(BLACK, 3)], comments={2: "too late"}), "past the last move"),
    (dict(size=5, first_player=EMPTY), "first_player"),
])
def test_record_rejects_impossible_games(fields, words):
    with pytest.raises(ValueError, match=words):
        GameRecord(**fields)


def test_where_names_source_game_and_line():
    record = GameRecord(source="tom.sgf.gz", index=16, line=17)
    assert record.where == "tom.sgf.gz game 17 (line 17)"
    assert GameRecord(source="x.sgf", index=0).where == "x.sgf game 1"


def test_game_state_replays_setup_moves_and_first_player():
    # . O . . .      White to play first after the set-up; she captures A5 at A4.
    # X . . . .      (A5 is black, B5 white, A4 empty: black A5 has one liberty.)
    record = GameRecord(size=5, komi=0.5, rules_text="Japanese", setup_black=[A5],
                        setup_white=[B5], first_player=WHITE, moves=[(WHITE, A4), (BLACK, C4)])
    state = game_state(record)
    assert state.ruleset == JAPANESE and state.komi == 0.5
    assert state.color_at(A5) == EMPTY and state.prisoners[WHITE] == 1
    assert state.moves == [(WHITE, A4), (BLACK, C4)]
    assert state.to_play == WHITE


def test_game_state_ruleset_argument_overrides_record():
    record = GameRecord(size=5, rules_text="Japanese")
    assert game_state(record, TROMP_TAYLOR).ruleset == TROMP_TAYLOR
    assert game_state(GameRecord(size=5, rules_text="AGA")).ruleset == CHINESE


def test_illegal_move_message_names_source_game_move_and_reason():
    record = GameRecord(size=5, moves=[(BLACK, B4), (WHITE, C4), (BLACK, C4)],
                        source="tom.sgf.gz", index=16, line=17)
    with pytest.raises(SgfError) as info:
        game_state(record)
    assert str(info.value) == "tom.sgf.gz game 17 (line 17): move 3 (B C4): illegal: occupied"
    assert info.value.line == 17 and info.value.index == 16


def test_suicide_is_judged_by_the_records_rules():
    # . X O . .      White A5, between black B5 and A4, fills its own last liberty:
    # X . . . .      suicide, illegal under the record's Chinese rules.
    moves = [(BLACK, B5), (WHITE, C5), (BLACK, A4), (WHITE, A5)]
    with pytest.raises(SgfError, match=r"move 4 \(W A5\): illegal: suicide"):
        game_state(GameRecord(size=5, rules_text="chinese", moves=moves))


def test_setup_without_liberties_is_an_sgf_error():
    record = GameRecord(size=2, setup_black=[0, 1, 2, 3], source="full.sgf")
    with pytest.raises(SgfError, match=r"^full.sgf game 1: set-up: .*liberties"):
        game_state(record)


def test_record_from_state_keeps_game_and_metadata():
    state = GameState(5, 6.5, TROMP_TAYLOR)
    state.setup(black=[A5], white=[C5])
    state.to_play = WHITE
    state.play(B4)
    state.play(PASS5)
    record = record_from_state(state, black_player="Honinbo", result="B+R", comments={2: "ok"})
    assert record == GameRecord(size=5, komi=6.5, rules_text="tromp-taylor", setup_black=[A5],
                                setup_white=[C5], first_player=WHITE,
                                moves=[(WHITE, B4), (BLACK, PASS5)], black_player="Honinbo",
                                result="B+R", comments={2: "ok"})
    with pytest.raises(TypeError):
        record_from_state(state, colour_of_board="kaya")
