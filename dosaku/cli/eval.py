"""``dosaku eval policy`` (top-1 / top-5 move prediction) and ``dosaku eval value`` (MSE
against game results) over the games of SGF files.

``--model`` is a network checkpoint (``dosaku-model``: any net with a policy or value head,
fed the planes of the encoder it was trained on) or, for ``policy``, a rollout weight file
(``dosaku-rollout``); which one is read from the file's own header, never from its name.
``--sgf`` takes plain SGF files, collections, or one game per line (``.sgf.gz``).
``--held-out`` keeps only the games the AlphaGo training split held out (the checkpoint's
``holdout_per_mille``, else 10), so a model can be scored on the same file it was trained on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(commands) -> None:
    """Register ``eval policy`` and ``eval value`` on ``commands`` (argparse subparsers)."""
    evaluate = commands.add_parser("eval", help="score a policy or value model on SGF games")
    kinds = evaluate.add_subparsers(dest="eval_command", required=True)
    for name, help_text in (("policy", "top-1 / top-5 accuracy on every move (nets and "
                                       "rollout weights)"),
                            ("value", "mean squared error of the value against the results")):
        kind = kinds.add_parser(name, help=help_text)
        kind.add_argument("--model", type=Path, required=True,
                          help="a .safetensors checkpoint (net or rollout weights)")
        kind.add_argument("--sgf", type=Path, nargs="+", required=True,
                          help="SGF files: plain, collections, or one game per line (.gz)")
        kind.add_argument("--games", type=int, default=None,
                          help="at most this many games in all (default: every game)")
        kind.add_argument("--held-out", action="store_true",
                          help="only the games the training split held out")
        kind.add_argument("--batch-size", type=int, default=256)
        kind.add_argument("--threads", type=int, default=1, help="torch threads")
        kind.set_defaults(run=run_eval, kind=name)


def model_format(path: Path) -> tuple[str, dict]:
    """(``"dosaku-model"`` or ``"dosaku-rollout"``, the header) from the file's metadata.

    Raises ValueError if the file is neither.
    """
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
    except (SafetensorError, OSError) as e:
        raise ValueError(f"{path}: not a safetensors file ({e})") from None
    try:
        header = json.loads(metadata.get("dosaku", "{}"))
    except json.JSONDecodeError:
        header = {}
    kind = header.get("format") if isinstance(header, dict) else None
    if kind not in ("dosaku-model", "dosaku-rollout"):
        raise ValueError(f"{path}: neither a dosaku network checkpoint nor rollout weights "
                         f"(format {kind!r})")
    return kind, header


def select_games(args: argparse.Namespace, header: dict, stats):
    """The records to score: every game of ``--sgf`` (or the held-out ones), up to
    ``--games``."""
    from itertools import islice

    from dosaku.train.alphago.positions import iter_held_out, read_games

    per_mille = header.get("provenance", {}).get("config", {}).get("holdout_per_mille", 10)

    def games():
        for path in args.sgf:
            if args.held_out:  # chosen by index before parsing: no sgfmill for the rest
                yield from iter_held_out(path, per_mille, stats)
            else:
                yield from read_games(path, skip_stats=stats)

    return islice(games(), args.games)


def run_eval(args: argparse.Namespace) -> int:
    import torch
    from tqdm import tqdm

    from dosaku.io.sgf import SkipStats

    torch.set_num_threads(args.threads)
    try:
        kind, header = model_format(args.model)
    except ValueError as e:
        print(f"dosaku eval: {e}", file=sys.stderr)
        return 2
    stats = SkipStats()
    records = select_games(args, header, stats)
    progress = tqdm(desc=f"eval {args.kind}", unit="game", total=args.games)
    try:
        result = score(args, kind, records, stats, progress)
    except ValueError as e:
        print(f"dosaku eval: {e}", file=sys.stderr)
        return 2
    finally:
        progress.close()
    result = {"model": str(args.model), "format": kind, **result}
    if stats.skipped:
        result["skipped"] = str(stats)
    print_table(result)
    print(json.dumps(result))
    return 0


def score(args: argparse.Namespace, kind: str, records, stats, progress) -> dict:
    from dosaku.nets import load_model
    from dosaku.train.alphago import accuracy

    if kind == "dosaku-rollout":
        if args.kind != "policy":
            raise ValueError(f"{args.model} holds rollout weights: a policy, no value")
        from dosaku.features.rollout import load_rollout_weights
        weights = load_rollout_weights(args.model)
        return accuracy.rollout_policy_accuracy(weights, records, stats, progress).summary()
    model = load_model(args.model)
    if args.kind == "policy":
        return accuracy.net_policy_accuracy(model, records, stats, args.batch_size,
                                            progress).summary()
    return accuracy.net_value_mse(model, records, stats, args.batch_size, progress)


def print_table(result: dict) -> None:
    keys = [k for k in ("games", "positions", "top1", "top5", "mse") if k in result]
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    print("| " + " | ".join(f"{result[k]:.2%}" if k.startswith("top") else str(result[k])
                            for k in keys) + " |")
    if result.get("mse_by_move"):
        phases = result["mse_by_move"]
        print("\n| MSE by move number | " + " | ".join(phases) + " |")
        print("|---|" + "---|" * len(phases))
        print("| | " + " | ".join(f"{v:.3f}" for v in phases.values()) + " |")
