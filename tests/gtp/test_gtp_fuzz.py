"""Random command lines, good and bad: one well-formed response each, no internal error, and
a failure never changes the engine."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosaku.agents.random_agent import RandomAgent
from dosaku.gtp.engine import GtpEngine

NAMES = ["play", "genmove", "is_legal", "list_stones", "undo", "boardsize", "clear_board", "komi",
         "fixed_handicap", "place_free_handicap", "set_free_handicap", "final_score",
         "final_status_list", "kata-set-rules", "kata-get-rules", "showboard", "reg_genmove",
         "time_settings", "time_left", "kgs-time_settings", "known_command", "name", "Play",
         "loadsgf", "xyzzy", ""]
WORDS = ["b", "w", "black", "WHITE", "x", "pass", "A1", "B2", "C3", "c3", "E5", "J9", "T19",
         "I5", "A0", "Z26", "0", "1", "2", "5", "7", "-3", "1e9", "nan", "9.5", "alive", "dead",
         "seki", "chinese", "tromp-taylor", "japanese", "chess", "none", "byoyomi", "#", "\t",
         "\x00", "é", "/nonexistent.sgf"]

RESPONSE = re.compile(r"([=?])(\d*)( [^\n]*)?(\n[^\n]+)*\n\n", re.S)


def snapshot(engine):
    s = engine.state
    return (s.size, s.komi, s.ruleset, s.to_play, s.stones.tobytes(), tuple(s.moves),
            tuple(s.setup_stones), engine.handicap, engine.ruleset, engine.komi)


lines = st.tuples(st.sampled_from(["", "1 ", "42 "]), st.sampled_from(NAMES),
                  st.lists(st.sampled_from(WORDS), max_size=4)).map(
    lambda t: f"{t[0]}{t[1]} {' '.join(t[2])}".strip())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines, min_size=1, max_size=25))
def test_random_command_lines(commands):
    engine = GtpEngine(RandomAgent(0), size=5)
    for line in commands:
        before = snapshot(engine)
        response = engine.handle(line)
        if response is None:
            continue
        assert RESPONSE.fullmatch(response), repr(response)
        assert "internal error" not in response, f"{line!r}: {response!r}"
        if response.startswith("?"):
            assert snapshot(engine) == before, line
