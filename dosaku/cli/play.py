"""A game of Go in the terminal: a person against an Agent, on a GameState.

The board is drawn after every move. The person types a GTP vertex (``D4``, any case),
``pass``, ``undo`` (takes back their last move and the reply), ``resign`` or ``quit``; anything
else gets a message and the prompt again. End of input ends the game quietly. After two passes
the score is shown, counted under the state's ruleset.
"""

from __future__ import annotations

from typing import TextIO

from dosaku.agents.base import RESIGN, Agent
from dosaku.rules.coords import from_gtp, to_gtp
from dosaku.rules.game import GameState, IllegalMoveError
from dosaku.rules.scoring import final_score, result_string
from dosaku.rules.types import color_name

HELP = "type a vertex such as D4, or pass, undo, resign, quit"
WINNER_LETTER = {1: "B", -1: "W"}


def play_game(state: GameState, agent: Agent, human: int, inp: TextIO, out: TextIO) -> str | None:
    """Play until two passes, a resignation, ``quit`` or end of input.

    Returns the result (``B+3.5``, ``W+R``, ``0``), or None if the game was left unfinished.
    """
    print(f"you play {color_name(human)}; {HELP}", file=out)
    print(state, file=out)
    while not state.is_over:
        if state.to_play == human:
            outcome = human_turn(state, human, inp, out)
        else:
            outcome = agent_turn(state, agent, out)
        if outcome is not None:
            return None if outcome == "quit" else announce(outcome, out)
        print(state, file=out)
    score = final_score(state)
    return announce(f"{result_string(score)}", out)


def announce(result: str, out: TextIO) -> str:
    print(f"result: {result}", file=out)
    return result


def agent_turn(state: GameState, agent: Agent, out: TextIO) -> str | None:
    """Play the agent's move; returns the result if it resigns, else None."""
    color = state.to_play
    move = agent.select_move(state)
    if move == RESIGN:
        print(f"{color_name(color)} resigns", file=out)
        return f"{WINNER_LETTER[-color]}+R"
    state.play(move)
    print(f"{color_name(color)} plays {to_gtp(move, state.size)}", file=out)
    return None


def human_turn(state: GameState, human: int, inp: TextIO, out: TextIO) -> str | None:
    """Read commands until one changes the game. Returns 'quit', a resignation result, or
    None once a move was played or taken back."""
    while True:
        out.write(f"{color_name(human)} to play: ")
        out.flush()
        line = inp.readline()
        if not line:
            print(file=out)
            return "quit"
        word = line.strip().lower()
        if word in ("quit", "exit"):
            return "quit"
        if word == "resign":
            return f"{WINNER_LETTER[-human]}+R"
        if word == "undo":
            if take_back(state, human, out):
                return None
            continue
        if word and try_move(state, word, out):
            return None


def try_move(state: GameState, word: str, out: TextIO) -> bool:
    """Play the vertex ``word`` for the side to move; False (with a message) if it cannot."""
    try:
        state.play(from_gtp(word, state.size))
    except IllegalMoveError as e:
        print(f"illegal move: {e.reason}", file=out)
        return False
    except ValueError as e:
        print(f"{e}; {HELP}", file=out)
        return False
    return True


def take_back(state: GameState, human: int, out: TextIO) -> bool:
    """Undo back to before the person's last move; False (with a message) if there is none."""
    if not any(color == human for color, _ in state.moves):
        print("nothing to undo", file=out)
        return False
    while state.moves[-1][0] != human:
        state.undo()
    state.undo()
    return True
