"""The GTP surface against the pure-Python reference, as an outside checker would drive it.

Random games through ``play`` (and some ``genmove``) on 5x5..19x19 under ``chinese`` and
``tromp-taylor``: after every move ``list_stones`` and ``is_legal`` for every point must match
:class:`ReferenceGame`, and at the end ``final_score`` under tromp-taylor must equal the
reference's plain area count.
"""

import numpy as np
import pytest

from dosaku.agents.random_agent import RandomAgent
from dosaku.gtp.engine import GtpEngine
from dosaku.rules.coords import from_gtp, to_gtp
from dosaku.rules.reference import ReferenceGame
from dosaku.rules.scoring import result_string


def ask(engine, command):
    reply = engine.handle(command)
    assert reply.startswith("="), (command, reply)
    return reply[1:].strip()


@pytest.mark.parametrize("size,rules,seed", [(5, "tromp-taylor", 1), (5, "chinese", 2),
                                             (7, "tromp-taylor", 3), (9, "chinese", 4),
                                             (13, "tromp-taylor", 5), (19, "chinese", 6)])
def test_random_game_matches_the_reference(size, rules, seed):
    rng = np.random.default_rng(seed)
    engine = GtpEngine(RandomAgent(seed), size=size)
    for command in (f"boardsize {size}", "clear_board", "komi 6.5", f"kata-set-rules {rules}"):
        ask(engine, command)
    ref = ReferenceGame(size, komi=6.5, suicide=rules == "tromp-taylor")
    color, passes, colors = 1, 0, {1: "black", -1: "white"}
    for move_number in range(2 * size * size):
        if move_number % 7 == 0 or size <= 7:
            legal = [ask(engine, f"is_legal {colors[color]} {to_gtp(p, size)}") == "1"
                     for p in range(size * size)]
            assert legal == ref.legal_mask(color)[:-1], move_number
        if move_number % 5 == 4:
            vertex = ask(engine, f"genmove {colors[color]}").lower()
        else:
            points = [p for p, ok in enumerate(ref.legal_mask(color)[:-1]) if ok]
            vertex = to_gtp(int(rng.choice(points)), size) if points and rng.random() > 0.03 \
                else "pass"
            ask(engine, f"play {colors[color]} {vertex}")
        ref.play(None if vertex == "pass" else from_gtp(vertex, size), color)
        passes = passes + 1 if vertex == "pass" else 0
        for c in (1, -1):
            stones = {from_gtp(v, size) for v in ask(engine, f"list_stones {colors[c]}").split()}
            assert stones == {p for p, v in enumerate(ref.grid) if v == c}
        if passes == 2:
            break
        color = -color
    if rules == "tromp-taylor":
        black, white = ref.area()
        assert ask(engine, "final_score") == result_string(black - white - 6.5)
