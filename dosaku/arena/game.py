"""One arena game: two agents, a referee's count, an SGF file and a result line.

A game runs in phases:

1. *play*: the agents move in turn until two consecutive passes, a resignation, or the move cap.
2. *claims*: each agent that can (an engine's ``final_score``, an agent's ``claim_score``)
   says who it thinks won; these are recorded, never trusted.
3. *clean-up*: play continues with ``kgs-genmove_cleanup`` (in-process agents: their
   ``select_cleanup_move`` if they have one, else ``select_move``) until two more passes, so
   that dead stones are captured rather than agreed on.
4. *count*: Tromp-Taylor area of the board as it then stands, black - white - komi. With
   ``referee`` set (a GTP command, e.g. GNU Go), the clean-up is skipped and the referee's
   ``final_score`` of the game decides instead.

A player *forfeits* (loses, whatever the board says) when it crashes, answers past
``move_timeout`` seconds, answers malformed GTP, refuses one of the game's moves, or plays an
illegal move; the reason and the details go into the outcome. Results follow SGF: ``B+3.5``,
``W+R`` (resignation), ``B+T`` (time), ``W+F`` (any other forfeit), ``0`` (a draw).
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dosaku.agents.base import RESIGN, Agent
from dosaku.agents.gtp_agent import EngineFailure, GtpAgent
from dosaku.agents.spec import build_agent
from dosaku.io.records import parse_result
from dosaku.io.sgf import write_sgf
from dosaku.rules.game import GameState, IllegalMoveError
from dosaku.rules.ruleset import ruleset_named
from dosaku.rules.scoring import result_string, tromp_taylor_score
from dosaku.rules.types import BLACK, EMPTY, WHITE, Move

LETTER = {BLACK: "B", WHITE: "W", EMPTY: "0"}
FORFEIT_LETTER = {"time": "T"}  # every other forfeit is F


@dataclass(frozen=True)
class GameSetup:
    """Everything one game needs; a value that travels to a worker process."""

    index: int
    """0-based game number in its match."""
    black: str
    """Agent spec of Black (see :mod:`dosaku.agents.spec`)."""
    white: str
    """Agent spec of White."""
    size: int = 9
    """Board size."""
    komi: float = 7.5
    """Komi in points."""
    rules: str = "chinese"
    """Ruleset preset deciding legality (superko, suicide); the count is always area."""
    max_moves: int = 0
    """Move cap, passes and clean-up included; 0 means 3 * size * size."""
    move_timeout: float = 60.0
    """Seconds an agent may take for one move (an engine, for any answer) before it forfeits."""
    referee: tuple[str, ...] = ()
    """GTP command of a referee engine whose ``final_score`` decides (empty: count ourselves)."""
    seed: int = 0
    """Seed of Black's agent; White's is ``seed + 1``. Specs with their own seed= keep it."""
    sgf_path: str = ""
    """Where to write the game's SGF (empty: not written)."""
    event: str = ""
    """SGF EV (event) text, e.g. the match folder."""

    @property
    def move_cap(self) -> int:
        return self.max_moves or 3 * self.size * self.size


@dataclass
class GameOutcome:
    """How a game ended; one line of ``results.jsonl`` (see :meth:`to_json`)."""

    index: int
    black: str
    white: str
    winner: str = "0"
    """'B', 'W' or '0' (draw)."""
    result: str = "0"
    """SGF RE text: 'B+3.5', 'W+R', 'B+T', 'W+F', '0'."""
    reason: str = "score"
    """score, resign, max-moves, or a forfeit: time, crash, malformed, refused, illegal."""
    detail: str = ""
    """What happened, in words (the failure message of a forfeit)."""
    score: float | None = None
    """The decisive count, black - white - komi (None if the game did not reach one)."""
    moves: int = 0
    """Moves played, passes and clean-up included."""
    cleanup_moves: int = 0
    """Of which in the clean-up phase."""
    claims: dict[str, str | None] = field(default_factory=dict)
    """What each side's agent said the result was after the first two passes."""
    referee: str = "tromp-taylor"
    """Who counted: 'tromp-taylor' or the referee engine's name."""
    disagreement: bool = False
    """True if a claim names a different winner than the result."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Thinking time per side, summed over the game."""
    max_seconds: dict[str, float] = field(default_factory=dict)
    """Longest single move per side."""
    names: dict[str, str] = field(default_factory=dict)
    """Each side's agent name (an engine's name and version)."""
    size: int = 9
    komi: float = 7.5
    sgf: str = ""
    """SGF file name, relative to the match folder."""
    duration: float = 0.0
    """Wall-clock seconds of the whole game."""

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> GameOutcome:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class Forfeit(Exception):
    """Raised inside the game loop: ``color`` loses for ``reason`` (see GameOutcome.reason)."""

    def __init__(self, color: int, reason: str, detail: str):
        self.color, self.reason, self.detail = color, reason, detail
        super().__init__(detail)


MoveReport = Callable[[int, int], None]
"""Called as ``report(color, move_number)`` just before an agent is asked for a move."""


@dataclass
class GameLog:
    """What the game loop accumulates: thinking times and per-move SGF comments."""

    seconds: dict[int, float] = field(default_factory=lambda: {BLACK: 0.0, WHITE: 0.0})
    longest: dict[int, float] = field(default_factory=lambda: {BLACK: 0.0, WHITE: 0.0})
    comments: dict[int, str] = field(default_factory=dict)
    cleanup_from: int | None = None


def ask_move(agent: Agent, state: GameState, cleanup: bool, timeout: float,
             log: GameLog) -> tuple[Move, float]:
    """(move, seconds) of the agent for ``state.to_play``; raises Forfeit for any failure."""
    color = state.to_play
    ask = getattr(agent, "select_cleanup_move", None) if cleanup else None
    ask = ask or agent.select_move
    start = time.perf_counter()
    try:
        move = int(ask(state))
    except EngineFailure as e:
        raise Forfeit(color, e.reason, e.detail) from None
    except Exception as e:  # noqa: BLE001 - an agent's bug loses the game, not the match
        where = traceback.extract_tb(e.__traceback__)[-1]
        raise Forfeit(color, "crash", f"{type(e).__name__}: {e} "
                                      f"({Path(where.filename).name}:{where.lineno})") from None
    seconds = time.perf_counter() - start
    log.seconds[color] += seconds
    log.longest[color] = max(log.longest[color], seconds)
    if seconds > timeout:
        raise Forfeit(color, "time", f"{seconds:.1f} s for move {state.move_number + 1} "
                                     f"(limit {timeout:g} s)")
    return move, seconds


def play_moves(agents: dict[int, Agent], state: GameState, setup: GameSetup, cleanup: bool,
               log: GameLog, report: MoveReport | None) -> str:
    """Play until two consecutive passes ('passes'), a resignation ('resign') or the move cap
    ('max-moves'); returns which. Raises Forfeit."""
    passes = 0
    while passes < 2:
        if state.move_number >= setup.move_cap:
            return "max-moves"
        color = state.to_play
        if report is not None:
            report(color, state.move_number + 1)
        move, seconds = ask_move(agents[color], state, cleanup, setup.move_timeout, log)
        if move == RESIGN:
            return "resign"
        try:
            state.play(move)
        except IllegalMoveError as e:
            raise Forfeit(color, "illegal", str(e)) from None
        note = getattr(agents[color], "move_comment", None)
        log.comments[state.move_number] = f"{seconds:.2f}s" + (f" {note()}" if note else "")
        passes = passes + 1 if move == state.pass_move else 0
    return "passes"


def collect_claims(agents: dict[int, Agent], state: GameState) -> dict[str, str | None]:
    """Each agent's own count of the game (None where it has none or fails to give one)."""
    claims: dict[str, str | None] = {}
    for color, agent in agents.items():
        claim = getattr(agent, "claim_score", None)
        try:
            claims[LETTER[color]] = claim(state) if claim else None
        except Exception:  # noqa: BLE001 - a claim is advice; failing to give one is no forfeit
            claims[LETTER[color]] = None
    return claims


def referee_score(command: tuple[str, ...], state: GameState, timeout: float) -> tuple[float, str]:
    """(score, referee name) from a GTP engine's ``final_score`` of the game so far."""
    with GtpAgent(command, timeout=timeout) as referee:
        referee.sync(state)
        answer = referee.send("final_score")
        name = referee.name
    result = parse_result(answer)
    if result is None or (result.winner != EMPTY and result.margin is None):
        raise EngineFailure("malformed", f"referee final_score answered {answer!r}")
    return (0.0 if result.winner == EMPTY else result.winner * result.margin), name


def play_game(agents: dict[int, Agent], setup: GameSetup,
              report: MoveReport | None = None) -> tuple[GameOutcome, GameState, GameLog]:
    """Play one game between ``agents`` ({BLACK: ..., WHITE: ...}) through all its phases."""
    state = GameState(setup.size, setup.komi, ruleset_named(setup.rules))
    log = GameLog()
    outcome = GameOutcome(setup.index, setup.black, setup.white, size=setup.size,
                          komi=setup.komi)
    try:
        ending = play_moves(agents, state, setup, False, log, report)
        if ending == "passes":
            outcome.claims = collect_claims(agents, state)
            if not setup.referee:
                log.cleanup_from = state.move_number
                ending = play_moves(agents, state, setup, True, log, report)
        settle(outcome, state, ending, setup)
    except Forfeit as f:
        record_forfeit(outcome, f)
    outcome.moves = state.move_number
    if log.cleanup_from is not None:
        outcome.cleanup_moves = state.move_number - log.cleanup_from
    outcome.seconds = {LETTER[c]: round(t, 3) for c, t in log.seconds.items()}
    outcome.max_seconds = {LETTER[c]: round(t, 3) for c, t in log.longest.items()}
    return outcome, state, log


def record_forfeit(outcome: GameOutcome, forfeit: Forfeit) -> None:
    """The forfeiting side loses: ``W+T`` for time, ``W+F`` for anything else."""
    winner = LETTER[-forfeit.color]
    outcome.winner, outcome.reason, outcome.detail = winner, forfeit.reason, forfeit.detail
    outcome.result = f"{winner}+{FORFEIT_LETTER.get(forfeit.reason, 'F')}"


def settle(outcome: GameOutcome, state: GameState, ending: str, setup: GameSetup) -> None:
    """Fill in the result of a game that ended by resignation, passes or the move cap."""
    if ending == "resign":
        winner = LETTER[-state.to_play]  # the side to move resigned
        outcome.winner, outcome.result, outcome.reason = winner, f"{winner}+R", "resign"
        return
    outcome.reason = "score" if ending == "passes" else "max-moves"
    score = None
    if setup.referee:
        try:
            score, outcome.referee = referee_score(setup.referee, state, setup.move_timeout)
        except EngineFailure as e:
            outcome.detail = f"referee failed ({e}); counted Tromp-Taylor instead"
    if score is None:
        score = tromp_taylor_score(state)
    outcome.score = float(score)
    outcome.result = result_string(score)
    outcome.winner = LETTER[(score > 0) - (score < 0)]
    for claim in outcome.claims.values():
        parsed = parse_result(claim)
        if parsed is not None and LETTER[parsed.winner] != outcome.winner:
            outcome.disagreement = True


def start_agents(setup: GameSetup) -> dict[int, Agent]:
    """Build both agents and let them warm up (``warm_up()``, e.g. numba compiling, before any
    clock runs); an agent that cannot be built raises Forfeit for its side."""
    agents: dict[int, Agent] = {}
    for color, spec, seed in ((BLACK, setup.black, setup.seed),
                              (WHITE, setup.white, setup.seed + 1)):
        try:
            agents[color] = build_agent(spec, seed=seed, timeout=setup.move_timeout)
            warm_up = getattr(agents[color], "warm_up", None)
            if warm_up is not None:
                warm_up()
        except EngineFailure as e:
            close_agents(agents)
            raise Forfeit(color, e.reason, e.detail) from None
    return agents


def close_agents(agents: dict[int, Agent]) -> None:
    for agent in agents.values():
        close = getattr(agent, "close", None)
        if close is not None:
            close()


def run_game(setup: GameSetup, report: MoveReport | None = None) -> GameOutcome:
    """Start the agents, play, close them, write the SGF; the outcome (never raises Forfeit)."""
    start = time.perf_counter()
    try:
        agents = start_agents(setup)
    except Forfeit as f:
        outcome = GameOutcome(setup.index, setup.black, setup.white, size=setup.size,
                              komi=setup.komi)
        record_forfeit(outcome, f)
        return outcome
    try:
        outcome, state, log = play_game(agents, setup, report)
    finally:
        close_agents(agents)
    outcome.names = {LETTER[c]: getattr(a, "name", "?") for c, a in agents.items()}
    outcome.duration = round(time.perf_counter() - start, 3)
    if setup.sgf_path:
        write_game_sgf(Path(setup.sgf_path), outcome, state, log, setup)
        outcome.sgf = Path(setup.sgf_path).name
    return outcome


def write_game_sgf(path: Path, outcome: GameOutcome, state: GameState, log: GameLog,
                   setup: GameSetup) -> None:
    """The game with players, result, per-move thinking time; written atomically."""
    comments = dict(log.comments)
    if log.cleanup_from is not None and log.cleanup_from < state.move_number:
        n = log.cleanup_from + 1
        comments[n] = f"clean-up phase (kgs-genmove_cleanup) begins\n{comments.get(n, '')}"
    summary = [f"black: {setup.black}", f"white: {setup.white}",
               f"result: {outcome.result} ({outcome.reason}"
               f"{': ' + outcome.detail if outcome.detail else ''})",
               f"counted by: {outcome.referee}"]
    claims = [f"{side} says {claim}" for side, claim in outcome.claims.items() if claim]
    if claims:
        summary.append("claims: " + ", ".join(claims))
    comments[0] = "\n".join(summary)
    data = write_sgf(state, black_player=outcome.names.get("B"),
                     white_player=outcome.names.get("W"), result=outcome.result,
                     comments=comments, event=setup.event or None,
                     date=datetime.date.today().isoformat())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".sgf.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
