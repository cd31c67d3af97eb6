"""Were a player's resignations right? GNU Go scores the position each one was made in.

A resignation ends a game before anything is counted, so a value head that is wrong about a
position loses games that were not lost, and no match table shows it. This replays every
game of a match folder (``dosaku match`` / ``benchmarks/zero_strength.py`` output) in which
the player resigned, and asks a referee engine's ``final_score`` of the board at that moment
(:func:`dosaku.arena.game.referee_score`, the arena's own referee call).

Run: ``python benchmarks/resign_audit.py MATCH_DIR [--player zero] [--referee "..."]``
"""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path

from dosaku.arena.game import referee_score
from dosaku.io.records import game_state
from dosaku.io.sgf import read_sgf

GNUGO = "/usr/games/gnugo --mode gtp --level 10 --chinese-rules"


def resigned_games(folder: Path, player: str) -> list[dict]:
    """The results.jsonl rows in which the side whose spec starts with ``player`` resigned."""
    rows = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()
            if line.strip()]
    resigned = []
    for row in rows:
        sides = [c for c, key in (("B", "black"), ("W", "white")) if row[key].startswith(player)]
        if len(sides) != 1:  # the audited side must be one colour, never both or neither
            raise ValueError(f"{folder / 'results.jsonl'}: game {row['index']}: "
                             f"{'both' if sides else 'neither'} of {row['black']!r} and "
                             f"{row['white']!r} start with --player {player!r}")
        side = sides[0]
        if row["reason"] == "resign" and row["winner"] not in (side, None):
            resigned.append(row | {"side": side})
    return sorted(resigned, key=lambda r: r["index"])


def audit(folder: Path, player: str, referee: str) -> list[str]:
    """Table rows: game, the resigning colour, moves played, the referee's score, and whether
    the resigning side was indeed behind."""
    rows = ["| game | resigned | moves | referee's score at the resignation | right? |",
            "|---|---|---|---|---|"]
    right = 0
    games = resigned_games(folder, player)
    for row in games:
        record = read_sgf((folder / "games" / row["sgf"]).read_bytes(), source=row["sgf"])
        score, _ = referee_score(tuple(shlex.split(referee)), game_state(record), 60.0)
        behind = score < 0 if row["side"] == "B" else score > 0  # score: Black's margin
        right += behind
        text = "0" if score == 0 else f"{'B' if score > 0 else 'W'}+{abs(score):g}"
        rows.append(f"| {row['index']} | {row['side']} | {len(record.moves)} | {text} | "
                    f"{'yes' if behind else '**no**'} |")
    rows.append(f"\n{right} of {len(games)} resignations were behind by the referee's count.")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a match folder (results.jsonl, games/)")
    parser.add_argument("--player", default="zero", help="spec prefix of the audited side")
    parser.add_argument("--referee", default=GNUGO, help="GTP command of the scoring engine")
    args = parser.parse_args(argv)
    try:
        print("\n".join(audit(args.folder, args.player, args.referee)))
    except ValueError as e:
        parser.exit(2, f"resign_audit: {e}\n")


if __name__ == "__main__":
    main()
