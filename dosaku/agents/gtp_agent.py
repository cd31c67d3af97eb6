"""GtpAgent: an external GTP engine (GNU Go, Pachi, another ``dosaku gtp``) as an Agent.

The engine keeps its own board. Before each question the agent brings it in step with the
state it is shown: the moves the engine has not seen are sent with ``play``; if the state is
not a continuation of what the engine holds (a new game, an undo, another size or komi), the
board is cleared and the game replayed. ``genmove`` plays the engine's move on its own board,
so that move counts as sent.

Whatever goes wrong with the engine is raised as :class:`EngineFailure`, whose ``reason`` says
how the arena scores it: ``time`` (no answer within ``timeout``), ``crash`` (the program could
not start or exited), ``malformed`` (an answer that is not GTP, or a move that is not a
vertex), ``refused`` (a ``?`` failure answer, e.g. to a ``play`` of ours). The client is closed
after any failure: a late answer would be read as the answer to the next command.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence

from dosaku.agents.base import RESIGN
from dosaku.io.gtp_protocol import GtpClient, GtpError, GtpTimeoutError
from dosaku.rules.coords import from_gtp, to_gtp
from dosaku.rules.game import GameState
from dosaku.rules.types import BLACK, Move

COLOR_WORDS = {BLACK: "b", -BLACK: "w"}
FAILURE_REASONS = ("time", "crash", "malformed", "refused")


class EngineFailure(Exception):
    """An external engine failed; ``reason`` is one of :data:`FAILURE_REASONS`."""

    def __init__(self, reason: str, detail: str):
        assert reason in FAILURE_REASONS, reason
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


class GtpAgent:
    """Plays the moves of the GTP engine started by ``argv`` (a list, or one shell-like string).

    ``timeout`` bounds every answer, in seconds (``genmove`` included). ``name`` defaults to the
    engine's own ``name`` and ``version`` answers. Raises EngineFailure if the engine cannot be
    started or does not answer ``name``.
    """

    def __init__(self, argv: Sequence[str] | str, timeout: float = 60.0, name: str | None = None):
        self.argv = shlex.split(argv) if isinstance(argv, str) else list(argv)
        self.timeout = timeout
        try:
            self.client = GtpClient(self.argv, timeout=timeout)
        except OSError as e:
            raise EngineFailure("crash", f"cannot start {self.argv[0]}: {e}") from None
        self._board: tuple[int, float] | None = None  # (size, komi) the engine was set up with
        self._sent: list[tuple[int, Move]] = []
        self._commands: set[str] | None = None
        self.name = name or self._engine_name()

    # -- talking to the engine -----------------------------------------------------------------
    def send(self, command: str) -> str:
        """One command; its answer text. Raises EngineFailure, closing the client."""
        try:
            return self.client.send(command)
        except GtpTimeoutError as e:
            self.close()
            raise EngineFailure("time", f"{command.split()[0]}: {e}") from None
        except GtpError as e:
            exited = self.exited()
            self.close()
            if exited:
                raise EngineFailure("crash", f"{command.split()[0]}: {e}") from None
            kind = "malformed" if str(e).startswith("malformed response") else "refused"
            raise EngineFailure(kind, f"{command}: {e}") from None

    def exited(self, wait: float = 0.5) -> bool:
        """Whether the engine process has ended (waiting briefly: its output may close a moment
        before the process is gone)."""
        try:
            self.client.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return False
        return True

    def _engine_name(self) -> str:
        return f"{self.send('name')} {self.send('version')}".strip()

    def knows(self, command: str) -> bool:
        """Whether the engine lists ``command`` in ``list_commands``."""
        if self._commands is None:
            self._commands = set(self.send("list_commands").split())
        return command in self._commands

    def sync(self, state: GameState) -> None:
        """Bring the engine's board to ``state`` (only set-up-free games can be sent)."""
        if state.setup_stones:
            raise ValueError("GtpAgent cannot send set-up stones to an engine")
        board = (state.size, state.komi)
        if board != self._board or state.moves[:len(self._sent)] != self._sent:
            self.send(f"boardsize {state.size}")
            self.send("clear_board")
            self.send(f"komi {state.komi:g}")
            self._board, self._sent = board, []
        for color, move in state.moves[len(self._sent):]:
            self.send(f"play {COLOR_WORDS[color]} {to_gtp(move, state.size)}")
            self._sent.append((color, move))

    def _generate(self, state: GameState, command: str) -> Move:
        self.sync(state)
        answer = self.send(f"{command} {COLOR_WORDS[state.to_play]}")
        if answer.strip().lower() == "resign":
            return RESIGN
        try:
            move = from_gtp(answer, state.size)
        except ValueError:
            self.close()
            raise EngineFailure("malformed", f"{command} answered {answer!r}") from None
        self._sent.append((state.to_play, move))
        return move

    # -- the Agent protocol and the arena's extras ---------------------------------------------
    def select_move(self, state: GameState) -> Move:
        """The engine's ``genmove`` for ``state.to_play``; RESIGN if it resigns."""
        return self._generate(state, "genmove")

    def select_cleanup_move(self, state: GameState) -> Move:
        """``kgs-genmove_cleanup`` (capture dead stones before passing), else ``genmove``."""
        command = "kgs-genmove_cleanup" if self.knows("kgs-genmove_cleanup") else "genmove"
        return self._generate(state, command)

    def claim_score(self, state: GameState) -> str | None:
        """The engine's ``final_score`` of ``state`` ('B+3.5'), or None if it has none."""
        if not self.knows("final_score"):
            return None
        self.sync(state)
        return self.send("final_score").strip()

    def close(self) -> None:
        """Quit the engine (ends it if it will not quit); safe to call twice."""
        self.client.close(wait=2.0)

    def __enter__(self) -> GtpAgent:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
