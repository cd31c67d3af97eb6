"""The Go Text Protocol (GTP version 2) on the wire: command lines in, responses out.

Terms, as in the GTP 2 specification (https://www.lysator.liu.se/~gunnar/gtp/):

- A *command line* is ``[id] command_name [arguments]``. Before it is split, control characters
  other than tab and newline are removed, tabs become spaces, and everything from ``#`` on is a
  comment. A line left empty is no command at all. The *id* is an optional non-negative integer.
- A *response* is ``=[id] result`` (success) or ``?[id] message`` (failure), ended by an empty
  line. A result may span several lines but never contains an empty one.

This module knows nothing of Go: the engine side (:mod:`dosaku.gtp.engine`) gives meaning to the
commands, and :class:`GtpClient` drives an external engine (GNU Go, Pachi, another dosaku) as a
subprocess. No torch here: GTP start-up must stay fast.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

# Every control character except tab (9) and newline (10) is dropped; DEL too.
_DROPPED = {c: None for c in (*range(0, 9), *range(11, 32), 127)}
_DROPPED[9] = " "


class GtpError(Exception):
    """A GTP failure: the message is what follows ``?`` in the response (``illegal move``)."""


class GtpTimeoutError(GtpError):
    """An external engine did not answer within the allowed time."""


@dataclass(frozen=True)
class GtpCommand:
    """One parsed command line. ``name`` is '' when the line held only an id."""

    id: int | None
    name: str
    args: list[str] = field(default_factory=list)


def clean_line(line: str) -> str:
    """The line with control characters removed, tabs as spaces and the comment cut off."""
    return line.translate(_DROPPED).split("#", 1)[0].strip()


def parse_line(line: str) -> GtpCommand | None:
    """Parse one command line; None if nothing is left after removing comments and blanks."""
    words = clean_line(line).split()
    if not words:
        return None
    cid = None
    if words[0].isdigit() and words[0].isascii():
        cid = int(words[0])
        words = words[1:]
    if not words:
        return GtpCommand(cid, "")
    return GtpCommand(cid, words[0], words[1:])


def _body(result: str) -> str:
    """A result fit to send: no trailing newline and no empty line after the first."""
    first, *rest = result.rstrip("\n").split("\n")
    return "\n".join([first, *(line if line.strip() else " " for line in rest)])


def format_success(cid: int | None, result: str = "") -> str:
    """``=id result`` and the empty line that ends every response."""
    return f"={'' if cid is None else cid} {_body(result)}\n\n"


def format_failure(cid: int | None, message: str) -> str:
    """``?id message`` and the empty line that ends every response."""
    return f"?{'' if cid is None else cid} {_body(message)}\n\n"


def parse_response(lines: Sequence[str]) -> tuple[bool, str]:
    """(success, text) of one response given its lines (without the final empty line).

    The ``=``/``?`` mark and any id are removed; later lines are kept as they are.
    Raises GtpError if the first line starts with neither mark.
    """
    if not lines or not lines[0] or lines[0][0] not in "=?":
        raise GtpError(f"malformed response {list(lines)!r}")
    first = lines[0][1:]
    digits = len(first) - len(first.lstrip("0123456789"))
    first = first[digits:]
    first = first[1:] if first.startswith(" ") else first
    text = "\n".join([first, *lines[1:]]).strip()
    return lines[0][0] == "=", text


class GtpClient:
    """An external GTP engine run as a subprocess, e.g. ``['gnugo', '--mode', 'gtp']``.

    ``send(command)`` writes one command and returns the text of the success response; it
    raises GtpError on a failure response or if the engine has exited, and GtpTimeoutError if
    no complete response arrives within ``timeout`` seconds (after which the client is unusable:
    the late answer would be taken for the next one, so it closes). Starting a program that
    cannot be run raises OSError. Use as a context manager or call ``close()``.
    """

    def __init__(self, argv: Sequence[str], timeout: float = 30.0, stderr=subprocess.DEVNULL):
        self.argv = list(argv)
        self.timeout = timeout
        self.process = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=stderr, text=True, bufsize=1)
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Reader thread: every line of the engine's stdout into the queue, then None at EOF."""
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\r\n"))
        self._lines.put(None)

    def _next_line(self, timeout: float) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.close(wait=0.1)
            raise GtpTimeoutError(
                f"{self.argv[0]} gave no answer within {self.timeout:g} s") from None
        if line is None:
            self._lines.put(None)  # stay at EOF for later calls
            raise GtpError(f"{self.argv[0]} exited (code {self.process.poll()})")
        return line

    def send(self, command: str, timeout: float | None = None) -> str:
        """Send one command line; return the response text (mark and id removed)."""
        if "\n" in command.strip():
            raise ValueError("one command per send")
        if self.process.poll() is not None:
            raise GtpError(f"{self.argv[0]} has exited (code {self.process.returncode})")
        try:
            self.process.stdin.write(command.strip() + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise GtpError(f"{self.argv[0]} does not accept input: {exc}") from exc
        limit = self.timeout if timeout is None else timeout
        lines = [self._next_line(limit)]
        while not lines[0].strip():  # stray blank lines between responses
            lines = [self._next_line(limit)]
        while (line := self._next_line(limit)).strip():
            lines.append(line)
        ok, text = parse_response(lines)
        if not ok:
            raise GtpError(text)
        return text

    def close(self, wait: float = 5.0) -> None:
        """Ask the engine to quit, then end it if it does not; safe to call twice."""
        if self.process.poll() is None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=1.0)  # it ends at the EOF of a finished process
        try:
            self.process.stdin.close()
        except (OSError, ValueError):
            pass

    def __enter__(self) -> GtpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
