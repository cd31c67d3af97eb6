"""``dosaku alphago sl|rollout|rl|value``: AlphaGo's training stages (Silver et al. 2016), each
a resumable run folder (kill it, run the same command, it continues)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

STAGES = {"sl": ("SLConfig", "SL policy network on expert moves (resumable)"),
          "rollout": ("RolloutConfig", "linear softmax rollout policy on expert moves "
                                       "(resumable)"),
          "rl": ("RLConfig", "RL policy network: policy-gradient self-play against a pool "
                             "of earlier snapshots (resumable)"),
          "value": ("ValueConfig", "value network on one position per self-play game "
                                   "(or every position of expert games; resumable)")}


def add_parser(commands) -> None:
    """Register the ``alphago`` stages on ``commands`` (argparse subparsers)."""
    from dosaku.train.alphago import config

    alphago = commands.add_parser("alphago", help="AlphaGo (2016): training stages")
    stages = alphago.add_subparsers(dest="alphago_command", required=True)
    for name, (kind, help_text) in STAGES.items():
        stage = stages.add_parser(name, help=help_text)
        stage.add_argument("--config", type=Path, default=None,
                           help="TOML preset (configs/alphago_*.toml)")
        stage.add_argument("--run-dir", type=Path, required=True, help="the run folder")
        add_field_flags(stage, getattr(config, kind))
        stage.set_defaults(run=run_stage, stage=name)


def add_field_flags(parser: argparse.ArgumentParser, kind) -> None:
    """One ``--field-name`` flag per config field (``--games`` takes several files)."""
    for f in dataclasses.fields(kind):
        flag = f"--{f.name.replace('_', '-')}"
        if f.name == "games":
            parser.add_argument(flag, dest=f.name, nargs="+", default=None,
                                help="SGF files (default: ../shared/data/games/*.sgf.gz)")
            continue
        convert = {"int": int, "float": float, "str": str}.get(f.type, str)
        parser.add_argument(flag, dest=f.name, type=convert, default=None,
                            help=argparse.SUPPRESS)


def run_stage(args: argparse.Namespace) -> int:
    from dosaku.train.alphago import config

    kind = getattr(config, STAGES[args.stage][0])
    overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(kind)}
    try:
        cfg = config.load_config(kind, args.config, **overrides)
    except ValueError as e:
        print(f"dosaku alphago {args.stage}: {e}", file=sys.stderr)
        return 2
    if args.stage == "sl":
        from dosaku.train.alphago.sl import run_sl as train
    elif args.stage == "rollout":
        from dosaku.train.alphago.rollout import run_rollout as train
    elif args.stage == "rl":
        from dosaku.train.alphago.rl import run_rl as train
    else:
        from dosaku.train.alphago.value import run_value as train
    try:
        last = train(cfg, args.run_dir)
    except ValueError as e:  # a run folder of another recipe, a checkpoint that does not fit
        print(f"dosaku alphago {args.stage}: {e}", file=sys.stderr)
        return 2
    print(json.dumps(last))
    return 0
