"""Worker processes for arena games, watched by the parent.

Each worker is a spawned process that plays the games the parent hands it one at a time, over
its own pipe. Before every move it reports who is thinking, so the parent can tell a hung agent
from a slow game: an agent thinking past ``move_timeout + GRACE_SECONDS`` has its worker killed
and loses the game by time (external engines normally time out sooner, inside the worker, through
their GTP client). A worker that dies mid-game (a crash of native code, the OOM killer) costs the
side that was thinking the game, reason ``crash``. Either way a fresh worker takes its place and
the match goes on.

Workers are long-lived so that the import and numba-cache cost is paid once per worker, not per
game; every game still builds its agents afresh.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from dosaku.arena.game import Forfeit, GameOutcome, GameSetup, record_forfeit, run_game
from dosaku.rules.types import BLACK

GRACE_SECONDS = 10.0
POLL_SECONDS = 0.5


def worker_main(conn: Connection) -> None:
    """Worker loop: receive a GameSetup (None: stop), send ('move', color, n) events while it
    is played, then ('done', outcome as a dict).

    The worker leads its own process group, so killing the group also ends the engines it
    started, hung ones included.
    """
    os.setsid()
    while True:
        setup = conn.recv()
        if setup is None:
            return
        outcome = run_game(setup, report=lambda color, n: conn.send(("move", color, n)))
        conn.send(("done", outcome.to_json()))


@dataclass
class Worker:
    process: multiprocessing.Process
    conn: Connection
    setup: GameSetup | None = None
    thinking: int = BLACK
    move_number: int = 0
    since: float | None = None
    """When the move in progress was asked for (None between moves: the watchdog waits)."""


def start_worker(context) -> Worker:
    parent, child = context.Pipe()
    process = context.Process(target=worker_main, args=(child,), daemon=True)
    process.start()
    child.close()
    return Worker(process, parent)


def lost_game(worker: Worker, reason: str, detail: str) -> GameOutcome:
    """The outcome of a game the parent had to end: the side thinking forfeits."""
    setup = worker.setup
    outcome = GameOutcome(setup.index, setup.black, setup.white, size=setup.size,
                          komi=setup.komi, moves=max(0, worker.move_number - 1))
    record_forfeit(outcome, Forfeit(worker.thinking, reason, detail))
    return outcome


def run_pool(setups: list[GameSetup], parallel: int,
             on_outcome: Callable[[GameOutcome], None]) -> None:
    """Play ``setups`` on ``parallel`` worker processes, calling ``on_outcome`` for each game
    as it finishes (in the parent, in finishing order)."""
    context = multiprocessing.get_context("spawn")
    queue = list(reversed(setups))
    workers = [start_worker(context) for _ in range(min(parallel, len(setups)))]
    try:
        for w in workers:
            assign(w, queue)
        while any(w.setup is not None for w in workers):
            for w, message in ready_messages(workers):
                if message is None:  # the worker died
                    outcome = lost_game(w, "crash",
                                        f"worker process died (exit code {w.process.exitcode}) "
                                        f"during move {w.move_number}")
                    replace(workers, w, context)
                    on_outcome(outcome)
                elif message[0] == "move":
                    w.thinking, w.move_number, w.since = message[1], message[2], time.monotonic()
                else:
                    w.setup = None
                    on_outcome(GameOutcome.from_json(message[1]))
            for w in list(workers):
                if w.setup is not None and w.since is not None and (
                        time.monotonic() - w.since > w.setup.move_timeout + GRACE_SECONDS):
                    outcome = lost_game(w, "time",
                                        f"no move {w.move_number} within "
                                        f"{w.setup.move_timeout + GRACE_SECONDS:g} s; "
                                        f"worker killed")
                    replace(workers, w, context)
                    on_outcome(outcome)
            for w in workers:
                if w.setup is None:
                    assign(w, queue)
    finally:
        for w in workers:
            stop(w)


def assign(worker: Worker, queue: list[GameSetup]) -> None:
    if queue and worker.process.is_alive():
        worker.setup = queue.pop()
        worker.thinking, worker.move_number, worker.since = BLACK, 0, None
        worker.conn.send(worker.setup)


def replace(workers: list[Worker], old: Worker, context) -> None:
    """Kill ``old`` (dead or hung) with its engines; a fresh idle worker takes its place."""
    kill(old)
    workers[workers.index(old)] = start_worker(context)


def kill(worker: Worker) -> None:
    """End the worker's process group (the worker and every engine it started)."""
    try:
        os.killpg(worker.process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # already gone, or not yet its own group leader
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join(timeout=5)
    worker.conn.close()


def ready_messages(workers: list[Worker]) -> Iterator[tuple[Worker, tuple | None]]:
    """(worker, message) for every busy worker with something to say; None if it died."""
    busy = {w.conn: w for w in workers if w.setup is not None}
    for conn in wait(list(busy), timeout=POLL_SECONDS):
        w = busy[conn]
        try:
            yield w, conn.recv()
        except (EOFError, OSError):
            yield w, None


def stop(worker: Worker) -> None:
    """Ask an idle worker to finish; kill a busy one (the match was interrupted) or one that
    will not finish."""
    if worker.setup is None and worker.process.is_alive():
        try:
            worker.conn.send(None)
            worker.process.join(timeout=5)
        except (BrokenPipeError, OSError):
            pass
    if worker.process.is_alive() or worker.setup is not None:
        kill(worker)
    else:
        worker.conn.close()
