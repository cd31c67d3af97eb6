"""``dosaku match``: play a match between two agent specs into a folder, then print its table.

Example, 100 games against GNU Go at level 10, colours alternating, two games at a time::

    dosaku match --black mcts:time=1 \\
        --white "gtp:/usr/games/gnugo --mode gtp --level 10 --chinese-rules" \\
        --games 100 --size 9 --komi 7.5 --alternate --parallel 2 --out runs/mcts-vs-gnugo10

Re-running the same command resumes: finished games are skipped.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys

GNUGO_PATHS = ("/usr/games/gnugo", "gnugo")


def add_parser(commands) -> None:
    """Register the ``match`` subcommand on ``commands`` (argparse subparsers)."""
    from dosaku.cli.main import board_size

    match = commands.add_parser("match", help="play a match between two players into a folder",
                                description=__doc__.split("\n\n")[0])
    match.add_argument("--black", required=True, help="spec of player A (black in game 0): "
                       "random, mcts:playouts=2000, gtp:COMMAND ...")
    match.add_argument("--white", required=True, help="spec of player B")
    match.add_argument("--games", type=int, default=10)
    match.add_argument("--size", type=board_size, default=9)
    match.add_argument("--komi", type=float, default=7.5)
    match.add_argument("--rules", default="chinese", help="legality rules (default chinese)")
    match.add_argument("--out", required=True, help="match folder (resumable)")
    match.add_argument("--alternate", action="store_true", help="swap colours every game")
    match.add_argument("--parallel", type=int, default=1,
                       help="games at once in worker processes (0: in this process)")
    match.add_argument("--max-moves", type=int, default=0,
                       help="move cap per game (default 3 * size * size)")
    match.add_argument("--move-timeout", type=float, default=60.0,
                       help="seconds a move may take before its player forfeits (default 60)")
    match.add_argument("--referee", default=None,
                       help="'gnugo' or a GTP command whose final_score decides the result "
                            "(default: Tromp-Taylor count after clean-up)")
    match.add_argument("--seed", type=int, default=0)
    match.add_argument("--quiet", action="store_true", help="no progress bar")
    match.set_defaults(run=run)


def referee_command(text: str | None) -> tuple[str, ...]:
    """``'gnugo'`` -> GNU Go in GTP mode with Chinese rules; anything else is a command line."""
    if text is None:
        return ()
    if text.strip().lower() == "gnugo":
        path = next((p for p in map(shutil.which, GNUGO_PATHS) if p), None)
        if path is None:
            raise ValueError("--referee gnugo: GNU Go is not installed")
        return (path, "--mode", "gtp", "--chinese-rules")
    return tuple(shlex.split(text))


def run(args: argparse.Namespace) -> int:
    from dosaku.arena.match import MatchConfig, MatchError, format_report, run_match

    try:
        config = MatchConfig(
            black=args.black, white=args.white, out=args.out, games=args.games, size=args.size,
            komi=args.komi, rules=args.rules, alternate=args.alternate, parallel=args.parallel,
            max_moves=args.max_moves, move_timeout=args.move_timeout,
            referee=referee_command(args.referee), seed=args.seed)
        report = run_match(config, progress=not args.quiet)
    except (MatchError, ValueError) as e:
        print(f"dosaku match: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted; run the same command again to resume", file=sys.stderr)
        return 130
    print(format_report(report))
    return 0
