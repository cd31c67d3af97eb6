"""The game clock as GTP announces it, and how many seconds the next move may take.

Controllers send ``time_settings`` (Canadian byo-yomi; byo-yomi time 0 means absolute time) or
``kgs-time_settings`` (none, absolute, Japanese byo-yomi, Canadian), then ``time_left`` before
each ``genmove``. The budget follows the usual engine practice (Leela Zero, Pachi): spread the
main time over the moves the game probably still has, spend most of a byo-yomi period when
main time is gone, keep a safety margin for the controller's lag.
"""

from __future__ import annotations

from dataclasses import dataclass

LAG_SECONDS = 0.5
"""Kept in reserve per move for transmission and the controller."""


@dataclass(frozen=True)
class TimeSettings:
    """The clock the controller announced."""

    system: str = "none"
    """'none', 'absolute', 'byoyomi' (Japanese periods) or 'canadian' (stones per period)."""
    main_time: float = 0.0
    """Main time in seconds."""
    period_time: float = 0.0
    """Seconds per byo-yomi period (canadian: for the whole batch of stones)."""
    periods: int = 0
    """Byo-yomi periods (byoyomi) or stones per period (canadian)."""


def moves_to_go(board_points: int, move_number: int) -> float:
    """Own moves the game probably still has: about 0.4·points per side at the start, tapering
    to a floor so the last main time is never spent at once."""
    return max(0.4 * board_points - move_number / 2.0, 0.1 * board_points, 10.0)


def move_budget(settings: TimeSettings, left: tuple[float, int] | None, board_points: int,
                move_number: int) -> float | None:
    """Seconds to think about the next move, or None where the clock does not limit it.

    ``left`` is the last ``time_left`` (seconds, stones): stones 0 means main time (or absolute
    time); stones > 0 means byo-yomi, with that many stones (Canadian) or periods (Japanese)
    left.
    """
    if settings.system == "none" or (settings.main_time == 0 and settings.period_time == 0):
        return None
    seconds, stones = left if left is not None else (settings.main_time, 0)
    if stones == 0:  # main time (or absolute time)
        spread = seconds / moves_to_go(board_points, move_number)
        if settings.system != "absolute" and settings.period_time > 0:
            per_stone = settings.period_time / max(settings.periods, 1) \
                if settings.system == "canadian" else settings.period_time
            spread += 0.5 * per_stone  # byo-yomi follows: main time can be spent faster
        return max(spread - LAG_SECONDS, 0.05)
    if settings.system == "canadian":
        return max(seconds / stones - LAG_SECONDS, 0.05)
    return max(seconds - LAG_SECONDS, 0.05)  # Japanese byo-yomi: one period per move
