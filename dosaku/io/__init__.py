"""Game records and the SGF files they come from and go to (L1: imports rules only, never torch).

- :mod:`dosaku.io.records`: :class:`GameRecord` (one game as data), :func:`game_state`
  (replay it under the rules), :func:`record_from_state`, :class:`Result` / :func:`parse_result`.
- :mod:`dosaku.io.sgf`: :func:`read_sgf`, :func:`write_sgf`, :func:`iter_games` (stream a file,
  gzipped one-game-per-line included) with :class:`SkipStats`.

Every failure to read or replay a game is an :class:`SgfError` naming the source and game.
"""

from .records import GameRecord, Result, SgfError, game_state, parse_result, record_from_state
from .sgf import SkipStats, iter_games, read_sgf, write_sgf

__all__ = ["GameRecord", "Result", "SgfError", "SkipStats", "game_state", "iter_games",
           "parse_result", "read_sgf", "record_from_state", "write_sgf"]
