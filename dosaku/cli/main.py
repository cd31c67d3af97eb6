"""``dosaku`` subcommands: ``gtp`` (a GTP engine on stdin/stdout), ``play`` (a game in the
terminal), ``match`` (a match between two players, see :mod:`dosaku.cli.match`), ``ratings``
(Bradley-Terry over match folders), ``bench NAME [ARGS...]`` (a benchmark script from the
source checkout).

``main(argv)`` only parses; each subcommand is one function that imports what it needs, so
``dosaku gtp`` never loads more than the rules and the agent it plays with.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path

BENCHMARKS = ("rules", "mcts", "nets", "search", "scoring", "zero_strength", "zero_pipeline",
              "inference", "search_batch_strength", "alphago_policies")


def board_size(text: str) -> int:
    """argparse type: a board size dosaku supports."""
    from dosaku.rules.types import check_size
    try:
        return check_size(int(text))
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def rules(text: str):
    """argparse type: a ruleset preset by name (chinese, tromp-taylor, japanese, aliases)."""
    from dosaku.rules.ruleset import ruleset_named
    try:
        return ruleset_named(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dosaku", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gtp = commands.add_parser("gtp", help="speak GTP on stdin/stdout")
    gtp.add_argument("--size", type=board_size, default=None,
                     help="board size (default: the size the player's network plays, else 19)")
    gtp.add_argument("--komi", type=float, default=7.5)
    gtp.add_argument("--rules", type=rules, default="chinese",
                     help="chinese, tromp-taylor or japanese")
    gtp.add_argument("--seed", type=int, default=None, help="seed of the agent")
    gtp.add_argument("--player", default="default",
                     help="default (the built-in net, zero:time=1, on 9x9; mcts:time=1 on "
                          "other sizes), or any agent spec: random, mcts:playouts=2000, "
                          "zero:model=PATH, puct:..., alphago:policy=PATH,value=PATH,... "
                          "(dosaku.agents.spec)")
    gtp.add_argument("--playouts", type=int, default=None,
                     help="simulations per move (mcts playouts, puct/zero/alphago visits)")
    gtp.add_argument("--visits", type=int, default=None, help="the same as --playouts")
    gtp.add_argument("--time", type=float, default=None, help="seconds per move")
    gtp.add_argument("--model-dir", type=Path, default=None,
                     help="alphago players: take policy/value/rollout.safetensors from DIR")
    gtp.set_defaults(run=run_gtp)
    play = commands.add_parser("play", help="play a game against the engine in the terminal")
    play.add_argument("--size", type=board_size, default=9, help="board size (default 9)")
    play.add_argument("--color", choices=("black", "white"), default="black",
                      help="your colour (default black)")
    play.add_argument("--komi", type=float, default=7.5)
    play.add_argument("--rules", type=rules, default="chinese")
    play.add_argument("--seed", type=int, default=None)
    play.add_argument("--player", default="default",
                      help="the engine you play: default (zero:time=1 where a built-in net "
                           "plays the size, else mcts:time=1), or any agent spec")
    play.set_defaults(run=run_play)
    from dosaku.cli import match, ratings
    match.add_parser(commands)
    ratings.add_parser(commands)
    from dosaku.cli import nets
    nets.add_parser(commands)
    from dosaku.cli import zero
    zero.add_parser(commands)
    from dosaku.cli import quantize
    quantize.add_parser(commands)  # quantize, export
    from dosaku.cli import alphago, eval as eval_command
    alphago.add_parser(commands)
    eval_command.add_parser(commands)
    bench = commands.add_parser("bench", help="run a benchmark from benchmarks/")
    bench.add_argument("name", choices=BENCHMARKS)
    bench.add_argument("args", nargs=argparse.REMAINDER, help="passed to the benchmark")
    bench.set_defaults(run=run_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``dosaku`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.run(args)


def run_gtp(args: argparse.Namespace) -> int:
    """Answer GTP on stdin/stdout with ``--player`` until ``quit`` or end of input."""
    from dosaku.agents.default_player import DEFAULT_PLAYER
    from dosaku.gtp.engine import GtpEngine

    try:
        if args.player == DEFAULT_PLAYER:
            agent = default_players(args)
        else:
            agent = gtp_player(args, gtp_spec(args, args.player))
    except ValueError as e:
        print(f"dosaku gtp: {e}", file=sys.stderr)
        return 2
    size = args.size or getattr(agent, "board_size", None) or 19
    try:
        engine = GtpEngine(agent, size, args.komi, args.rules)
    except ValueError as e:
        print(f"dosaku gtp: --size {size}: {e}", file=sys.stderr)
        return 2
    if hasattr(sys.stdin, "reconfigure"):  # garbage bytes must not end the engine
        sys.stdin.reconfigure(errors="replace")
    try:
        engine.run(sys.stdin, sys.stdout)
    except BrokenPipeError:  # the controller went away: nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except KeyboardInterrupt:
        return 130
    return 0


def gtp_spec(args: argparse.Namespace, player: str):
    """``player`` with ``--model-dir``, ``--playouts``, ``--visits`` and ``--time`` applied;
    ValueError where they do not fit it."""
    from dosaku.agents.spec import with_model_dir, with_options

    if args.model_dir is not None:
        player = with_model_dir(player, args.model_dir)
    return with_options(player, playouts=args.playouts, visits=args.visits, time=args.time)


def gtp_player(args: argparse.Namespace, spec):
    """The agent of ``spec``, named on stderr with how its network runs (what ``auto``
    chose), for the controller's engine log."""
    from dosaku.agents.spec import build_agent

    agent = build_agent(spec, seed=args.seed)
    evaluator = getattr(getattr(agent, "search", None), "evaluator", None)
    if hasattr(evaluator, "backend"):
        print(f"dosaku gtp: {getattr(spec, 'text', spec)}: network on {evaluator.backend} "
              f"{evaluator.precision}", file=sys.stderr)
    return agent


def default_players(args: argparse.Namespace):
    """The default player of each board size (:mod:`dosaku.agents.default_player`), built
    when a command first needs it; both specs are checked against the flags now."""
    from dosaku.agents.default_player import NET_SPEC, NO_NET_SPEC, PlayersBySize, default_spec

    if args.model_dir is not None:
        raise ValueError("--model-dir needs an alphago --player")
    specs = {text: gtp_spec(args, text) for text in (NET_SPEC, NO_NET_SPEC)}
    return PlayersBySize(lambda size: gtp_player(args, specs[default_spec(size)]))


def run_play(args: argparse.Namespace) -> int:
    from dosaku.agents.base import check_board_size
    from dosaku.agents.default_player import DEFAULT_PLAYER, default_spec
    from dosaku.agents.spec import build_agent
    from dosaku.cli.play import play_game
    from dosaku.rules.game import GameState
    from dosaku.rules.types import parse_color

    try:
        player = default_spec(args.size) if args.player == DEFAULT_PLAYER else args.player
        agent = build_agent(player, seed=args.seed)
        check_board_size(agent, args.size)
    except ValueError as e:
        print(f"dosaku play: {e}", file=sys.stderr)
        return 2
    state = GameState(args.size, args.komi, args.rules)
    play_game(state, agent, parse_color(args.color), sys.stdin, sys.stdout)
    return 0


def benchmark_path(name: str) -> Path:
    """Where ``benchmarks/<name>.py`` is in a source checkout (it is not installed)."""
    import dosaku
    return Path(dosaku.__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"


def run_bench(args: argparse.Namespace) -> int:
    """Run ``benchmarks/<name>.py``'s ``main(argv)``; 2 if the script is not there."""
    script = benchmark_path(args.name)
    if not script.is_file():
        print(f"dosaku bench: {script} not found; benchmarks live in a source checkout "
              f"of dosaku, not in an installed package", file=sys.stderr)
        return 2
    namespace = runpy.run_path(str(script), run_name="dosaku_benchmark")
    if "main" not in namespace:
        print(f"dosaku bench: {script} has no main(argv)", file=sys.stderr)
        return 2
    return namespace["main"](list(args.args)) or 0


if __name__ == "__main__":
    raise SystemExit(main())
