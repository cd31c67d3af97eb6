"""``dosaku nets``: ``list`` (every registered model's size and CPU speed) and ``show``
(a checkpoint's header). Torch is imported only when the command runs."""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(commands) -> None:
    """Add ``nets`` and its subcommands to the ``dosaku`` subparsers."""
    nets = commands.add_parser("nets", help="list the registered networks, inspect checkpoints")
    actions = nets.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="parameters, multiply-adds and CPU speed")
    listing.add_argument("--sizes", type=int, nargs="+", default=[9, 19],
                         help="board sizes (default 9 19)")
    listing.add_argument("--batches", type=int, nargs="+", default=[1, 64],
                         help="batch sizes timed (default 1 64)")
    listing.add_argument("--seconds", type=float, default=0.3,
                         help="timing per cell (default 0.3; at least one batch)")
    listing.add_argument("--no-speed", action="store_true", help="skip the timing")
    listing.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    listing.add_argument("--models", nargs="+", help="only these (default: all presets)")
    show = actions.add_parser("show", help="print a checkpoint's JSON header")
    show.add_argument("path")
    nets.set_defaults(run=run_nets)


def run_nets(args: argparse.Namespace) -> int:
    if args.action == "show":
        from dosaku.nets import CheckpointError, read_header
        try:
            print(json.dumps(read_header(args.path), indent=2))
        except CheckpointError as e:
            print(f"dosaku nets show: {e}", file=sys.stderr)
            return 1
        return 0
    import torch

    from dosaku.nets import model_names
    from dosaku.nets.profile import models_table
    torch.set_num_threads(args.threads)
    print(models_table(args.models or model_names(), tuple(args.sizes),
                       () if args.no_speed else tuple(args.batches), args.seconds,
                       progress=sys.stderr))
    return 0
