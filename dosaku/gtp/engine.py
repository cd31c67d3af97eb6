"""GtpEngine: a GTP 2 engine around one Agent and one GameState.

Each command is a method ``cmd_<name>(args) -> str``: it returns the result text or raises
GtpError with the failure message. The GTP name is the method name without ``cmd_``, except
for the extensions, spelt as their authors do: ``kgs_`` becomes ``kgs-`` (``cmd_kgs_time_settings``
answers ``kgs-time_settings``) and KataGo's use dashes throughout (``cmd_kata_set_rules``
answers ``kata-set-rules``). Command names are case-sensitive, as in the specification;
colours and vertices are not.

Contract, for every command:

- a failure (malformed, unknown, illegal) answers ``? reason`` and leaves the engine exactly as
  it was: handlers check everything before they change anything, and the GameState methods
  they call (play, setup) change nothing when they raise;
- an unexpected exception in a handler answers ``? internal error: ...``; the engine goes on;
- the failure messages the specification names are used as written: ``unknown command``,
  ``unacceptable size``, ``illegal move``, ``invalid color``, ``board not empty``,
  ``invalid number of stones``, ``bad vertex list``, ``cannot undo``, ``cannot load file``.

Rules: ``kata-set-rules`` picks a preset (chinese, tromp-taylor, japanese) and replays the game
so far under it. Under tromp-taylor ``final_score`` scores the board exactly as it stands.
``loadsgf`` replays the file under the engine's rules with the file's size and komi.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO


from dosaku import __version__
from dosaku.agents.base import RESIGN, Agent, check_board_size
from dosaku.gtp.analysis import info_line, parse_analyze_args
from dosaku.gtp.clock import TimeSettings, move_budget
from dosaku.io.gtp_protocol import (GtpCommand, GtpError, format_failure, format_success,
                                    parse_line)
from dosaku.io.records import SgfError, game_state, record_from_state
from dosaku.io.sgf import read_sgf, write_sgf
from dosaku.rules.coords import from_gtp, to_gtp
from dosaku.rules.game import GameState, IllegalMoveError
from dosaku.rules.handicap import fixed_handicap, free_handicap_points, max_free_handicap
from dosaku.rules.ruleset import CHINESE, Ruleset, ruleset_named
from dosaku.rules.scoring import final_score, final_status, result_string
from dosaku.rules.types import WHITE, Move, check_size, color_name, parse_color

STREAMING = ("lz-analyze", "kata-analyze", "lz-genmove_analyze", "kata-genmove_analyze")
"""Commands answered by :meth:`GtpEngine.stream`, not by a ``cmd_`` method."""


def gtp_name(method: str) -> str:
    """``cmd_play`` -> ``play``; ``cmd_kgs_genmove_cleanup`` -> ``kgs-genmove_cleanup``;
    ``cmd_kata_get_rules`` -> ``kata-get-rules``."""
    name = method.removeprefix("cmd_")
    if name.startswith("kgs_"):
        return "kgs-" + name[4:]
    if name.startswith("kata_"):
        return name.replace("_", "-")
    return name


class GtpEngine:
    """Answers GTP commands for ``agent`` on a ``size`` board (19 unless ``boardsize`` says).

    ``agent`` is one Agent, or a function from board size to the Agent for that size (the
    default player: :class:`~dosaku.agents.default_player.PlayersBySize`), called when a
    command first needs a player, so that starting the engine and changing the size load no
    net; such a function must play every size.
    """

    def __init__(self, agent: Agent | Callable[[int], Agent], size: int = 19,
                 komi: float = 7.5, ruleset: Ruleset = CHINESE):
        self.one_agent = hasattr(agent, "select_move")
        """True for one Agent (which may refuse sizes), False for a player of every size."""
        self.players: Callable[[int], Agent] = (lambda _size: agent) if self.one_agent else agent
        if self.one_agent:
            check_board_size(agent, size)  # ValueError: the caller's to report
        self.komi = float(komi)
        self.ruleset = ruleset
        self.state = GameState(check_size(size), self.komi, ruleset)
        self.handicap = 0
        self.time_settings = TimeSettings()
        self.time_left: dict[int, tuple[float, int]] = {}
        self.done = False
        self.commands = {gtp_name(m): getattr(self, m) for m in dir(self) if m.startswith("cmd_")}

    # -- the loop ------------------------------------------------------------------------------
    def run(self, inp: TextIO, out: TextIO) -> None:
        """Answer every command line of ``inp`` on ``out`` until ``quit`` or end of input.

        Analysis commands stream ``info`` lines until the next command line arrives; that line
        is then answered like any other.
        """
        pending: str | None = None
        while not self.done:
            line = pending if pending is not None else inp.readline()
            pending = None
            if not line:
                return
            command = parse_line(line)
            if command is None:
                continue
            if command.name in STREAMING:
                pending = self.stream(command, inp, out)
                continue
            out.write(self.respond(command))
            out.flush()

    def handle(self, line: str) -> str | None:
        """The full response to one input line, or None for a blank or comment line."""
        command = parse_line(line)
        return None if command is None else self.respond(command)

    def respond(self, command: GtpCommand) -> str:
        """Run ``command`` and format its response; never raises."""
        handler = self.commands.get(command.name)
        if command.name in STREAMING:
            return format_failure(command.id, "analysis streams only in the GTP loop (run)")
        if handler is None:
            return format_failure(command.id, "unknown command" if command.name
                                  else "missing command name")
        try:
            result = handler(command.args)
        except GtpError as e:
            return format_failure(command.id, str(e))
        except Exception as e:  # noqa: BLE001 - a bug in a handler must not end the engine
            return format_failure(command.id, f"internal error: {type(e).__name__}: {e}")
        return format_success(command.id, result)

    # -- argument parsing ----------------------------------------------------------------------
    @staticmethod
    def _arity(args: list[str], low: int, high: int | None = None, usage: str = "") -> None:
        high = low if high is None else high
        if not low <= len(args) <= high:
            raise GtpError(f"syntax error: usage: {usage}" if usage else "syntax error")

    @staticmethod
    def _color(word: str) -> int:
        try:
            return parse_color(word)
        except ValueError:
            raise GtpError("invalid color") from None

    def _vertex(self, word: str) -> Move:
        try:
            return from_gtp(word, self.state.size)
        except ValueError:
            raise GtpError("invalid coordinate") from None

    @staticmethod
    def _int(word: str, low: int | None = None) -> int:
        try:
            value = int(word)
        except ValueError:
            raise GtpError(f"syntax error: {word!r} is not an integer") from None
        if low is not None and value < low:
            raise GtpError(f"syntax error: {value} is below {low}")
        return value

    @staticmethod
    def _float(word: str) -> float:
        try:
            value = float(word)
        except ValueError:
            raise GtpError(f"syntax error: {word!r} is not a number") from None
        if not math.isfinite(value):
            raise GtpError(f"syntax error: {word!r} is not a finite number")
        return value

    def _vertices(self, moves) -> str:
        return " ".join(to_gtp(int(m), self.state.size) for m in moves)

    @property
    def agent(self) -> Agent:
        """The player for the board as it is now."""
        return self.players(self.state.size)

    def _check_size(self, size: int) -> None:
        if not self.one_agent:  # a player for every size
            return
        try:
            check_board_size(self.players(size), size)
        except ValueError as e:
            raise GtpError(f"unacceptable size ({e})") from None

    def _new_game(self, size: int) -> None:
        self.state = GameState(size, self.komi, self.ruleset)
        self.handicap = 0

    # -- administration ------------------------------------------------------------------------
    def cmd_protocol_version(self, args: list[str]) -> str:
        return "2"

    def cmd_name(self, args: list[str]) -> str:
        return "dosaku"

    def cmd_version(self, args: list[str]) -> str:
        return __version__

    def cmd_known_command(self, args: list[str]) -> str:
        self._arity(args, 1, usage="known_command NAME")
        return "true" if args[0] in self.known() else "false"

    def cmd_list_commands(self, args: list[str]) -> str:
        return "\n".join(sorted(self.known()))

    def known(self) -> set[str]:
        """Command names answered; the analysis ones only for a player that searches."""
        analysis = set(STREAMING) if hasattr(self.agent, "think") else set()
        return set(self.commands) | analysis

    def cmd_quit(self, args: list[str]) -> str:
        self.done = True
        return ""

    # -- setting up a game ---------------------------------------------------------------------
    def cmd_boardsize(self, args: list[str]) -> str:
        self._arity(args, 1, usage="boardsize SIZE")
        size = self._int(args[0])
        try:
            check_size(size)
        except ValueError:
            raise GtpError("unacceptable size") from None
        self._check_size(size)
        self._new_game(size)
        return ""

    def cmd_clear_board(self, args: list[str]) -> str:
        self._new_game(self.state.size)
        return ""

    def cmd_komi(self, args: list[str]) -> str:
        self._arity(args, 1, usage="komi NUMBER")
        self.komi = self._float(args[0])
        self.state.komi = self.komi
        return ""

    def cmd_kata_set_rules(self, args: list[str]) -> str:
        """Switch to a preset and replay the game so far under it (fails if it is illegal)."""
        self._arity(args, 1, usage="kata-set-rules chinese|tromp-taylor|japanese")
        try:
            ruleset = ruleset_named(args[0])
            state = game_state(record_from_state(self.state), ruleset)
        except SgfError as e:
            raise GtpError(f"the game so far is illegal under {args[0]}: {e.reason}") from None
        except ValueError as e:
            raise GtpError(str(e)) from None
        state.komi = self.state.komi
        self.state, self.ruleset = state, ruleset
        return ""

    def cmd_kata_get_rules(self, args: list[str]) -> str:
        """The preset's name (KataGo answers JSON; a name is what kata-set-rules takes)."""
        return self.ruleset.name

    # -- handicap ------------------------------------------------------------------------------
    def _require_empty(self) -> None:
        if self.state.moves or self.state.stones.any():
            raise GtpError("board not empty")

    def _place_handicap(self, stones: list[Move]) -> str:
        self.state.setup(black=stones)
        self.state.to_play = WHITE
        self.handicap = len(stones)
        return self._vertices(stones)

    def cmd_fixed_handicap(self, args: list[str]) -> str:
        self._arity(args, 1, usage="fixed_handicap NUMBER")
        count = self._int(args[0])
        self._require_empty()
        try:
            stones = fixed_handicap(self.state.size, count)
        except ValueError:
            raise GtpError("invalid number of stones") from None
        return self._place_handicap(stones)

    def cmd_place_free_handicap(self, args: list[str]) -> str:
        self._arity(args, 1, usage="place_free_handicap NUMBER")
        count = self._int(args[0])
        self._require_empty()
        try:
            stones = free_handicap_points(self.state.size, count)
        except ValueError:
            raise GtpError("invalid number of stones") from None
        return self._place_handicap(stones)

    def cmd_set_free_handicap(self, args: list[str]) -> str:
        self._require_empty()
        n = self.state.size * self.state.size
        try:
            stones = [from_gtp(word, self.state.size) for word in args]
        except ValueError:
            raise GtpError("bad vertex list") from None
        if (len(set(stones)) != len(stones) or n in stones
                or not 2 <= len(stones) <= max_free_handicap(self.state.size)):
            raise GtpError("bad vertex list")
        self._place_handicap(stones)
        return ""

    # -- playing -------------------------------------------------------------------------------
    def cmd_play(self, args: list[str]) -> str:
        self._arity(args, 2, usage="play COLOR VERTEX")
        color, move = self._color(args[0]), self._vertex(args[1])
        try:
            self.state.play(move, color)
        except IllegalMoveError:
            raise GtpError("illegal move") from None
        return ""

    def _choose(self, color: int, **analysis) -> Move:
        """The agent's move for ``color``, asked as if it were ``color``'s turn, within the
        clock's budget for this move (agents that think: ``move_seconds``)."""
        before = self.state.to_play
        self.state.to_play = color
        if hasattr(self.agent, "move_seconds"):
            self.agent.move_seconds = move_budget(
                self.time_settings, self.time_left.get(color), self.state.size ** 2,
                self.state.move_number)
        try:
            return self.agent.select_move(self.state, **analysis)
        finally:
            self.state.to_play = before

    def cmd_genmove(self, args: list[str]) -> str:
        """The agent's move for COLOR, played on the board; ``resign`` leaves it unchanged."""
        self._arity(args, 1, usage="genmove COLOR")
        color = self._color(args[0])
        move = self._choose(color)
        if move == RESIGN:
            return "resign"
        self.state.play(move, color)  # an illegal choice is the agent's bug: internal error
        return to_gtp(move, self.state.size)

    def cmd_kgs_genmove_cleanup(self, args: list[str]) -> str:
        """KGS's clean-up phase: capture dead stones before passing. Agents that know the
        phase (``select_cleanup_move``) are asked for it; others answer as for genmove."""
        cleanup = getattr(self.agent, "select_cleanup_move", None)
        if cleanup is None:
            return self.cmd_genmove(args)
        self._arity(args, 1, usage="kgs-genmove_cleanup COLOR")
        color = self._color(args[0])
        before = self.state.to_play
        self.state.to_play = color
        try:
            move = cleanup(self.state)
        finally:
            self.state.to_play = before
        if move == RESIGN:
            return "resign"
        self.state.play(move, color)
        return to_gtp(move, self.state.size)

    def cmd_reg_genmove(self, args: list[str]) -> str:
        """The move genmove would choose, without playing it."""
        self._arity(args, 1, usage="reg_genmove COLOR")
        move = self._choose(self._color(args[0]))
        return "resign" if move == RESIGN else to_gtp(move, self.state.size)

    def cmd_undo(self, args: list[str]) -> str:
        try:
            self.state.undo()
        except ValueError:
            raise GtpError("cannot undo") from None
        return ""

    # -- questions about the position ----------------------------------------------------------
    def cmd_is_legal(self, args: list[str]) -> str:
        self._arity(args, 2, usage="is_legal COLOR VERTEX")
        color, move = self._color(args[0]), self._vertex(args[1])
        return "1" if self.state.is_legal(move, color) else "0"

    def cmd_list_stones(self, args: list[str]) -> str:
        self._arity(args, 1, usage="list_stones COLOR")
        return self._vertices(self.state.stone_points(self._color(args[0])))

    def cmd_showboard(self, args: list[str]) -> str:
        return "\n" + str(self.state)

    def cmd_final_score(self, args: list[str]) -> str:
        return result_string(final_score(self.state))

    def cmd_final_status_list(self, args: list[str]) -> str:
        """Stones with the status alive, dead or seki: one line per chain."""
        self._arity(args, 1, usage="final_status_list alive|dead|seki")
        if args[0] not in ("alive", "dead", "seki"):
            raise GtpError("syntax error: status must be alive, dead or seki")
        points = set(final_status(self.state)[args[0]])
        lines = []
        while points:
            chain = sorted(self.state.chain_points(min(points)))
            points.difference_update(chain)
            lines.append(self._vertices(chain))
        return "\n".join(lines)

    # -- files ---------------------------------------------------------------------------------
    def cmd_loadsgf(self, args: list[str]) -> str:
        """Load FILE, up to (not including) move number N if given; answers who is to play."""
        self._arity(args, 1, 2, usage="loadsgf FILE [MOVE_NUMBER]")
        upto = self._int(args[1], low=1) if len(args) == 2 else None
        try:
            record = read_sgf(Path(args[0]).read_bytes(), source=args[0])
            if upto is not None:
                record = dataclasses.replace(record, moves=record.moves[:upto - 1], comments={})
            state = game_state(record, self.ruleset)
        except (OSError, ValueError) as e:  # SgfError is a ValueError, as are decoding errors
            raise GtpError(f"cannot load file: {e}") from None
        self._check_size(state.size)
        self.state, self.komi, self.handicap = state, state.komi, record.handicap
        return color_name(state.to_play)

    def cmd_printsgf(self, args: list[str]) -> str:
        """The game as SGF; with FILE, written there instead (answers nothing)."""
        self._arity(args, 0, 1, usage="printsgf [FILE]")
        text = write_sgf(self.state, handicap=self.handicap).decode("utf-8")
        if not args:
            return text
        try:
            Path(args[0]).write_text(text, encoding="utf-8")
        except OSError as e:
            raise GtpError(f"cannot write file: {e}") from None
        return ""

    # -- analysis (streams: see run) -----------------------------------------------------------
    def stream(self, command: GtpCommand, inp: TextIO, out: TextIO) -> str | None:
        """Answer an analysis command: ``=id``, then ``info`` lines until the next input line
        (``*-analyze``) or until the move is chosen (``*-genmove_analyze``, which ends with
        ``play VERTEX``). Returns the input line that ended the analysis, if one did."""
        dialect = "lz" if command.name.startswith("lz-") else "kata"
        try:
            request = parse_analyze_args(command.args, self._color)
            if not hasattr(self.agent, "think"):
                raise GtpError("analysis needs a searching player (--player puct or zero)")
        except (GtpError, ValueError) as e:
            out.write(format_failure(command.id, str(e)))
            out.flush()
            return None
        out.write(f"={command.id if command.id is not None else ''}\n")
        out.flush()
        lock = threading.Lock()

        def on_update(root) -> None:
            line = info_line(root, request, dialect)
            if line:
                with lock:
                    out.write(line + "\n")
                    out.flush()

        color = request.color or self.state.to_play
        if command.name.endswith("genmove_analyze"):
            move = self._choose(color, on_update=on_update, interval=request.interval)
            if move != RESIGN:
                self.state.play(move, color)
            out.write(f"play {'resign' if move == RESIGN else to_gtp(move, self.state.size)}"
                      "\n\n")
            out.flush()
            return None
        position = self.state.copy()
        position.to_play = color
        stop = threading.Event()
        worker = threading.Thread(target=self.agent.think, daemon=True, kwargs=dict(
            state=position, visits=10**9, stop=stop, on_update=on_update,
            interval=request.interval))
        worker.start()
        line = inp.readline()  # analysis runs until the controller says something
        stop.set()
        worker.join()
        with lock:
            out.write("\n")
            out.flush()
        return line

    # -- time ----------------------------------------------------------------------------------
    def cmd_time_settings(self, args: list[str]) -> str:
        """GTP's Canadian clock: main time, byo-yomi time, stones (time 0: no byo-yomi)."""
        self._arity(args, 3, usage="time_settings MAIN_TIME BYO_YOMI_TIME BYO_YOMI_STONES")
        main, byo = self._float(args[0]), self._float(args[1])
        stones = self._int(args[2], low=0)
        system = "absolute" if byo == 0 else "canadian"
        self.time_settings = TimeSettings(system, main, byo, stones)
        return ""

    def cmd_kgs_time_settings(self, args: list[str]) -> str:
        """none | absolute MAIN | byoyomi MAIN PERIOD_TIME PERIODS | canadian MAIN TIME STONES."""
        shapes = {"none": 0, "absolute": 1, "byoyomi": 3, "canadian": 3}
        if not args or args[0] not in shapes or len(args) != 1 + shapes[args[0]]:
            raise GtpError("syntax error: usage: kgs-time_settings none | absolute MAIN | "
                           "byoyomi MAIN PERIOD_TIME PERIODS | canadian MAIN TIME STONES")
        main = self._float(args[1]) if len(args) > 1 else 0.0
        period = self._float(args[2]) if len(args) > 2 else 0.0
        count = self._int(args[3], low=0) if len(args) > 3 else 0
        self.time_settings = TimeSettings(args[0], main, period, count)
        return ""

    def cmd_time_left(self, args: list[str]) -> str:
        self._arity(args, 3, usage="time_left COLOR TIME STONES")
        color, seconds = self._color(args[0]), self._float(args[1])
        stones = self._int(args[2], low=0)
        self.time_left[color] = (seconds, stones)
        return ""

