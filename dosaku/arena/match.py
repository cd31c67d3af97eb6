"""A match: N games between two agent specs, played into a folder, resumable.

The folder holds:

- ``match.json``: the :class:`MatchConfig` that defines the match. Re-running into the same
  folder must name the same match (players, board, komi, rules, colours, cap, referee, seed),
  else :class:`MatchError`; the number of games may grow, so a match can be extended.
- ``results.jsonl``: one :class:`~dosaku.arena.game.GameOutcome` per finished game, appended as
  each game ends. Re-running skips the games already there (a torn last line is ignored and
  its game played again).
- ``games/game-NNNN.sgf``: every game, with players, komi, rules, result and per-move times.

*Player A* is ``config.black`` and *player B* ``config.white``: A plays Black in game 0, and,
with ``alternate``, White in every odd game. Statistics are A's: wins, losses, score rate with
its 95% Wilson interval, and the Elo difference A - B with its interval (:mod:`.stats`).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from dosaku.agents.spec import parse_spec
from dosaku.arena.game import GameOutcome, GameSetup, run_game
from dosaku.arena.stats import MatchStats
from dosaku.rules.ruleset import ruleset_named
from dosaku.rules.types import check_size

IDENTITY = ("black", "white", "size", "komi", "rules", "alternate", "max_moves", "referee",
            "seed")


class MatchError(ValueError):
    """A match that cannot run as asked (bad spec, a folder holding another match)."""


@dataclass(frozen=True)
class MatchConfig:
    """A match between two agent specs (see :mod:`dosaku.agents.spec`)."""

    black: str
    """Player A: Black in game 0 (and in every even game with ``alternate``)."""
    white: str
    """Player B."""
    out: str
    """The match folder."""
    games: int = 10
    """Number of games."""
    size: int = 9
    """Board size."""
    komi: float = 7.5
    """Komi in points."""
    rules: str = "chinese"
    """Ruleset preset for legality; the count is Tromp-Taylor area after clean-up."""
    alternate: bool = False
    """Swap colours every game (A is White in odd games)."""
    parallel: int = 1
    """Games played at once, each in a worker process; 0 plays in this process, unwatched."""
    max_moves: int = 0
    """Move cap per game, passes and clean-up included; 0 means 3 * size * size."""
    move_timeout: float = 60.0
    """Seconds one move may take before its player forfeits on time."""
    referee: tuple[str, ...] = ()
    """GTP command of an engine whose final_score decides instead of our count."""
    seed: int = 0
    """Base seed; game i seeds Black's agent with seed + 2i and White's with seed + 2i + 1."""

    def check(self) -> None:
        """MatchError naming the first bad field."""
        for spec in (self.black, self.white):
            try:
                parse_spec(spec)
            except ValueError as e:
                raise MatchError(str(e)) from None
        try:
            check_size(self.size)
            ruleset_named(self.rules)
        except ValueError as e:
            raise MatchError(str(e)) from None
        if self.games < 0 or self.parallel < 0 or self.max_moves < 0:
            raise MatchError("games, parallel and max_moves must not be negative")
        if not self.move_timeout > 0 or not math.isfinite(self.komi):
            raise MatchError("move_timeout must be positive and komi finite")

    def identity(self) -> dict:
        return {k: v for k, v in self.to_json().items() if k in IDENTITY}

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["referee"] = list(self.referee)
        return data

    def a_is_black(self, index: int) -> bool:
        return not (self.alternate and index % 2 == 1)


def game_setups(config: MatchConfig) -> list[GameSetup]:
    """The games of the match, in order."""
    folder = Path(config.out)
    setups = []
    for i in range(config.games):
        black, white = ((config.black, config.white) if config.a_is_black(i)
                        else (config.white, config.black))
        setups.append(GameSetup(
            index=i, black=black, white=white, size=config.size, komi=config.komi,
            rules=config.rules, max_moves=config.max_moves, move_timeout=config.move_timeout,
            referee=tuple(config.referee), seed=config.seed + 2 * i,
            sgf_path=str(folder / "games" / f"game-{i:04d}.sgf"), event=folder.name))
    return setups


def load_results(folder: Path) -> dict[int, GameOutcome]:
    """Finished games of the folder by index; lines that do not parse are left out."""
    results: dict[int, GameOutcome] = {}
    path = folder / "results.jsonl"
    if not path.exists():
        return results
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            outcome = GameOutcome.from_json(json.loads(line))
        except (ValueError, TypeError):
            continue
        results[outcome.index] = outcome
    return results


def prepare_folder(config: MatchConfig) -> dict[int, GameOutcome]:
    """Create or re-open the match folder; the games already finished."""
    folder = Path(config.out)
    folder.mkdir(parents=True, exist_ok=True)
    meta = folder / "match.json"
    if meta.exists():
        before = json.loads(meta.read_text(encoding="utf-8"))
        differ = {k: (before.get(k), v) for k, v in config.identity().items()
                  if before.get(k) != v}
        if differ:
            raise MatchError(f"{folder} holds another match; differing: " + ", ".join(
                f"{k} was {old!r}, now {new!r}" for k, (old, new) in differ.items()))
    meta.write_text(json.dumps(config.to_json(), indent=2) + "\n", encoding="utf-8")
    return load_results(folder)


# -- running -----------------------------------------------------------------------------------

def run_match(config: MatchConfig, progress: bool = True) -> MatchReport:
    """Play the games not yet in the folder; the report over every finished game."""
    config.check()
    done = prepare_folder(config)
    todo = [s for s in game_setups(config) if s.index not in done]
    bar = tqdm(total=config.games, initial=config.games - len(todo), unit="game",
               desc=Path(config.out).name, disable=not progress)
    bar.set_postfix_str(running_score(config, done.values()))
    path = Path(config.out) / "results.jsonl"
    with open(path, "a", encoding="utf-8") as results:
        if path.stat().st_size and not path.read_bytes().endswith(b"\n"):
            results.write("\n")  # end a line torn by a kill, so the next one stands alone
        def finished(outcome: GameOutcome) -> None:
            results.write(json.dumps(outcome.to_json()) + "\n")
            results.flush()
            done[outcome.index] = outcome
            bar.update(1)
            bar.set_postfix_str(running_score(config, done.values()))

        try:
            if config.parallel == 0:
                for setup in todo:
                    finished(run_game(setup))
            else:
                from dosaku.arena.pool import run_pool
                run_pool(todo, config.parallel, finished)
        finally:
            bar.close()
    return summarize(config, done.values())


def running_score(config: MatchConfig, outcomes: Iterable[GameOutcome]) -> str:
    stats = a_stats(config, outcomes)
    text = f"A {stats.wins}-{stats.losses} B"
    return text + (f" ({stats.draws} drawn)" if stats.draws else "")


# -- the report --------------------------------------------------------------------------------

def a_stats(config: MatchConfig, outcomes: Iterable[GameOutcome],
            colour: str | None = None) -> MatchStats:
    """Player A's wins, losses and draws (only the games A played as ``colour`` if given)."""
    wins = losses = draws = 0
    for o in outcomes:
        a = "B" if config.a_is_black(o.index) else "W"
        if colour is not None and a != colour:
            continue
        if o.winner == "0":
            draws += 1
        elif o.winner == a:
            wins += 1
        else:
            losses += 1
    return MatchStats(wins, losses, draws)


@dataclass
class MatchReport:
    """What a finished (or partly finished) match amounts to."""

    config: MatchConfig
    outcomes: list[GameOutcome]
    overall: MatchStats
    as_black: MatchStats
    as_white: MatchStats
    endings: Counter = field(default_factory=Counter)
    """Games by reason (score, resign, time, crash, ...)."""
    disagreements: list[int] = field(default_factory=list)
    """Games where an agent's claim named another winner than the count."""


def summarize(config: MatchConfig, outcomes: Iterable[GameOutcome]) -> MatchReport:
    ordered = sorted(outcomes, key=lambda o: o.index)
    return MatchReport(config, ordered, a_stats(config, ordered),
                       a_stats(config, ordered, "B"), a_stats(config, ordered, "W"),
                       Counter(o.reason for o in ordered),
                       [o.index for o in ordered if o.disagreement])


def format_elo(value: float) -> str:
    if math.isnan(value):
        return "-"
    return "+inf" if value == math.inf else "-inf" if value == -math.inf else f"{value:+.0f}"


def stats_row(label: str, stats: MatchStats) -> str:
    if not stats.games:
        return f"{label:<14}{0:>6}"
    low, high = stats.interval
    elo_low, elo_high = stats.elo_interval
    return (f"{label:<14}{stats.games:>6}{stats.wins:>6}{stats.losses:>7}{stats.draws:>6}"
            f"{100 * stats.rate:>9.1f}%  [{100 * low:5.1f}%, {100 * high:5.1f}%]"
            f"{format_elo(stats.elo):>7}  [{format_elo(elo_low)}, {format_elo(elo_high)}]")


def format_report(report: MatchReport) -> str:
    """The final table: A's results overall and by colour, how games ended, disagreements."""
    c = report.config
    lines = [f"match {c.out}: {report.overall.games} of {c.games} games, {c.size}x{c.size}, "
             f"komi {c.komi:g}, {c.rules}",
             f"  A = {c.black}", f"  B = {c.white}",
             f"{'':<14}{'games':>6}{'wins':>6}{'losses':>7}{'draws':>6}{'A score':>10}  "
             f"{'95% interval':<16}{'Elo A-B':>7}  95% interval",
             stats_row("A overall", report.overall),
             stats_row("A as black", report.as_black),
             stats_row("A as white", report.as_white),
             "endings: " + (", ".join(f"{k} {v}" for k, v in sorted(report.endings.items()))
                            or "none")]
    forfeits = [o for o in report.outcomes if o.reason not in ("score", "resign", "max-moves")]
    for o in forfeits[:10]:
        lines.append(f"  game {o.index}: {o.result} ({o.reason}: {o.detail})")
    if report.disagreements:
        lines.append(f"claims disagreeing with the count: games {report.disagreements}")
    times = per_move_seconds(report)
    if times:
        lines.append("mean thinking time per move: " + ", ".join(
            f"{who} {t:.2f} s" for who, t in times.items()))
    return "\n".join(lines)


def per_move_seconds(report: MatchReport) -> dict[str, float]:
    """Mean seconds per move of A and B (moves counted as half of each game's total each)."""
    total = {"A": 0.0, "B": 0.0}
    moves = {"A": 0.0, "B": 0.0}
    for o in report.outcomes:
        a = "B" if report.config.a_is_black(o.index) else "W"
        for colour, seconds in o.seconds.items():
            who = "A" if colour == a else "B"
            total[who] += seconds
            moves[who] += o.moves / 2
    return {who: total[who] / moves[who] for who in total if moves[who]}
