"""A misbehaving GTP engine for the arena tests: ``python fake_gtp_engine.py BEHAVIOUR [N]``.

It plays the first empty point it knows of (row by row), or passes when it knows of none, until
its N-th ``genmove`` (default 1), where it misbehaves:

- ``crash``: exits with code 3;
- ``hang``: stops answering (sleeps far past any timeout);
- ``malformed``: answers a line that is not GTP;
- ``nonsense``: answers ``= Z99``, not a vertex;
- ``illegal``: plays on an occupied point (its own last stone, or after a first move);
- ``refuse``: answers ``play`` with a failure from then on;
- ``resign``: resigns;
- ``pass``: passes every move (never misbehaves).

Not a test module: the arena tests start it as an external engine.
"""

import sys
import time

COLUMNS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"


def main() -> None:
    behaviour = sys.argv[1]
    trigger = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    size, taken, genmoves, refusing = 19, set(), 0, False
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        command, args = words[0], words[1:]
        answer = ""
        if command == "name":
            answer = "fake"
        elif command == "version":
            answer = behaviour
        elif command == "list_commands":
            answer = "name\nversion\nplay\ngenmove\nboardsize\nclear_board\nkomi\nquit"
        elif command == "boardsize":
            size = int(args[0])
        elif command == "clear_board":
            taken = set()
        elif command == "play":
            if refusing:
                reply("? no thank you")
                continue
            if args[1].lower() != "pass":
                taken.add(args[1].upper())
        elif command == "genmove":
            genmoves += 1
            if genmoves >= trigger and behaviour != "pass":
                if misbehave(behaviour, taken):
                    continue
                if behaviour == "refuse":
                    refusing = True
            answer = first_empty(size, taken) if behaviour != "pass" else "pass"
            if answer != "pass":
                taken.add(answer)
        elif command == "quit":
            reply("=")
            return
        reply("= " + answer)


def misbehave(behaviour: str, taken: set) -> bool:
    """Act out ``behaviour`` at the trigger move; True if the answer was given already."""
    if behaviour == "crash":
        sys.exit(3)
    if behaviour == "hang":
        time.sleep(3600)
    if behaviour == "malformed":
        reply("this is not gtp")
        return True
    if behaviour == "nonsense":
        reply("= Z99")
        return True
    if behaviour == "illegal":
        reply("= " + (sorted(taken)[0] if taken else "A1"))
        return True
    if behaviour == "resign":
        reply("= resign")
        return True
    return False


def first_empty(size: int, taken: set) -> str:
    for row in range(size, 0, -1):
        for col in COLUMNS[:size]:
            if f"{col}{row}" not in taken:
                return f"{col}{row}"
    return "pass"


def reply(text: str) -> None:
    sys.stdout.write(text + "\n\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
