"""Dead-stone estimate vs. GNU Go: do dosaku and GNU Go agree on finished games?

GNU Go (level 1, Chinese rules) plays both sides of 9×9 games to two passes; dosaku then
estimates the dead stones of each final position (Benson + Monte-Carlo ownership, see
:mod:`dosaku.rules.scoring`) and scores it. The table counts games where dosaku's dead stones
and final score equal GNU Go's ``final_status_list dead`` and ``final_score``.

Run: ``python benchmarks/scoring.py --games 40``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dosaku.io.gtp_protocol import GtpClient
from dosaku.rules.coords import from_gtp
from dosaku.rules.game import GameState
from dosaku.rules.scoring import final_score, final_status, result_string

GNUGO = Path("/usr/games/gnugo")


def gnugo_self_play(seed: int, size: int = 9, komi: float = 7.5) -> tuple[list, str, set]:
    """Moves (color, vertex) of a GNU Go self-play game, its final_score and dead stones."""
    argv = [str(GNUGO), "--mode", "gtp", "--chinese-rules", "--level", "1", "--seed", str(seed)]
    with GtpClient(argv, timeout=60) as gnugo:
        for command in (f"boardsize {size}", "clear_board", f"komi {komi}"):
            gnugo.send(command)
        moves, passes, color = [], 0, "black"
        while passes < 2 and len(moves) < 3 * size * size:
            vertex = gnugo.send(f"genmove {color}").lower()
            if vertex == "resign":
                break
            moves.append((color, vertex))
            passes = passes + 1 if vertex == "pass" else 0
            color = "white" if color == "black" else "black"
        dead = {from_gtp(v, size) for v in gnugo.send("final_status_list dead").split()}
        return moves, gnugo.send("final_score"), dead


def final_position(moves: list, size: int = 9, komi: float = 7.5) -> GameState:
    state = GameState(size, komi=komi)
    for color, vertex in moves:
        state.play(from_gtp(vertex, size), 1 if color == "black" else -1)
    return state


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=40)
    parser.add_argument("--playouts", type=int, default=256)
    args = parser.parse_args(argv)
    same_dead = same_score = with_dead = 0
    for seed in range(1, args.games + 1):
        moves, score, dead = gnugo_self_play(seed)
        state = final_position(moves)
        ours = set(final_status(state, playouts=args.playouts)["dead"])
        same_dead += ours == dead
        same_score += result_string(final_score(state, playouts=args.playouts)) == \
            score.replace(".0", "")
        with_dead += bool(dead)
    print("| games | with dead stones (GNU Go) | same dead stones | same final_score |")
    print("|---|---|---|---|")
    print(f"| {args.games} | {with_dead} | {same_dead} | {same_score} |")


if __name__ == "__main__":
    main()
