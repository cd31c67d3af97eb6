"""``dosaku quantize MODEL [--check]`` and ``dosaku export MODEL --format onnx [--quantize int8]``.

``quantize`` gathers positions, keeps the calibration part beside the checkpoint
(``MODEL.calibration.npz``), measures every backend and precision against fp32 on the held-out
part, writes ``MODEL.gate.json`` (what ``backend=auto`` / ``precision=auto`` read) and prints
the gate table. ``--check`` also plays fp32 against the fastest int8 that passed (``--games``
at ``--visits`` per move, and ``--time-games`` at ``--seconds`` per move) and exits 1 if no
int8 variant passed. ``export`` writes ``MODEL.fp32.onnx`` or ``MODEL.int8.onnx`` and checks
it against the torch net.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(commands) -> None:
    quantize = commands.add_parser("quantize", help="int8/bf16/ONNX variants of a model, "
                                                    "gated on agreement with fp32")
    quantize.add_argument("model", type=Path, help="checkpoint (.safetensors)")
    quantize.add_argument("--positions", type=int, default=1000,
                          help="positions gathered: half calibrate, half are held out")
    quantize.add_argument("--source", type=Path, default=None,
                          help="self-play shard folder or SGF file/folder (default: "
                               "../shared/data/games, else random games)")
    quantize.add_argument("--qat-steps", type=int, default=0,
                          help="fine-tune a failing int8 with this many QAT steps")
    quantize.add_argument("--speed-seconds", type=float, default=0.5)
    quantize.add_argument("--check", action="store_true",
                          help="play the matches and exit 1 if no int8 variant passes")
    quantize.add_argument("--games", type=int, default=20, help="equal-visits games (--check)")
    quantize.add_argument("--visits", type=int, default=32)
    quantize.add_argument("--time-games", type=int, default=20, help="equal-time games (--check)")
    quantize.add_argument("--seconds", type=float, default=0.1, help="per move, equal time")
    quantize.add_argument("--komi", type=float, default=7.5)
    quantize.add_argument("--out", type=Path, default=None,
                          help="folder for the report and the games (default: none)")
    quantize.set_defaults(run=run_quantize)
    export = commands.add_parser("export", help="export a model (ONNX), verified against torch")
    export.add_argument("model", type=Path, help="checkpoint (.safetensors)")
    export.add_argument("--format", choices=("onnx",), default="onnx")
    export.add_argument("--quantize", choices=("int8",), default=None)
    export.add_argument("--out", type=Path, default=None,
                        help="output file (default MODEL.fp32.onnx / MODEL.int8.onnx)")
    export.add_argument("--positions", type=int, default=512,
                        help="calibration positions if MODEL.calibration.npz is absent")
    export.add_argument("--source", type=Path, default=None)
    export.set_defaults(run=run_export)


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def figure(value: float, digits: int) -> str:
    return "-" if value != value else f"{value:.{digits}f}"


def speed_cell(speed: float | None, fp32: float) -> str:
    """'1,234 (2.1×)'; '0.7 (0.04×)' for a crawl; '-' where not measured."""
    if speed is None:
        return "-"
    if speed < 10:
        return f"{speed:.1f} ({speed / fp32:.2f}×)"
    return f"{speed:,.0f} ({speed / fp32:.1f}×)"


def gate_table(candidates) -> str:
    batches = sorted({b for c in candidates for b in c.speed})
    fp32 = candidates[0].speed
    head = ["backend", "precision", "made by", "top-1 agreement", "top-1 within 1%",
            "policy KL", "value MAE", "gate"] + [f"pos/s b{b} (× fp32)" for b in batches]
    rows = []
    for c in candidates:
        a = c.agreement
        rows.append([c.backend, c.precision, c.note, figure(a.top1, 4),
                     figure(a.near_top1, 4), figure(a.kl, 5),
                     figure(a.value_mae, 4), "pass" if c.passed else "FAIL"]
                    + [speed_cell(c.speed.get(b), fp32[b]) for b in batches])
    return table(head, rows)


def match_table(matches) -> str:
    head = ["limit", "player", "games", "score", "95% interval", "Elo", "s/move fast",
            "s/move fp32", "evals/move fast", "evals/move fp32"]
    rows = []
    for m in matches:
        s = m.stats
        low, high = s.interval
        limit = f"{m.visits} visits" if m.visits is not None else f"{m.seconds:g} s"
        rows.append([limit, f"{m.backend} {m.precision} vs fp32", str(m.games),
                     f"{s.score:g}/{s.games} ({s.rate:.1%})", f"{low:.1%}–{high:.1%}",
                     f"{s.elo:+.0f}", f"{m.fast_seconds_per_move:.3f}",
                     f"{m.fp32_seconds_per_move:.3f}", f"{m.fast_evaluations_per_move:.0f}",
                     f"{m.fp32_evaluations_per_move:.0f}"])
    return table(head, rows)


def run_quantize(args: argparse.Namespace) -> int:
    import torch

    from dosaku.arena.precision_gate import (gather_positions, measure_candidates,
                                             play_precision_match)
    from dosaku.nets import load_model
    from dosaku.nets.inference import GateRecord, sidecar, write_calibration, write_record
    from dosaku.nets.inference.gate import file_sha256, machine

    torch.set_num_threads(1)
    net = load_model(args.model)
    planes, where = gather_positions(net, args.positions, args.source)
    half = len(planes) // 2
    calibration, held_out = planes[:half], planes[half:]
    write_calibration(calibration, sidecar(args.model, "calibration.npz"))
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    say(f"{len(calibration)} calibration and {len(held_out)} held-out positions from {where}")
    candidates = measure_candidates(net, calibration, held_out, seconds=args.speed_seconds,
                                    qat_steps=args.qat_steps, progress=say)
    record = GateRecord(str(args.model), machine(), candidates, where,
                        file_sha256(args.model))
    write_record(record, sidecar(args.model, "gate.json"))
    report = [f"dosaku quantize {args.model}: {len(held_out)} held-out positions from "
              f"{where}; one thread; torch {torch.__version__}", gate_table(candidates)]
    int8 = [c for c in candidates if c.precision == "int8" and c.passed]
    if args.check:
        # the matches are the gate's last word: played against the fastest int8 that passed,
        # or, if none did, the fastest int8 of all (to see what the failure costs in play)
        best = max(int8 or [c for c in candidates if c.precision == "int8"],
                   key=lambda c: c.speed.get(8, 0.0))
        report.append(f"Matches: fp32 against {best.backend} int8 ({best.note}, "
                      f"{'passed' if best.passed else 'failed'} the agreement gate).")
        matches = []
        for games, limit in ((args.games, {"visits": args.visits}),
                             (args.time_games, {"seconds": args.seconds})):
            if games <= 0:
                continue
            folder = None
            if args.out is not None:
                name = "visits" if "visits" in limit else "time"
                folder = args.out / f"match-{name}"
                folder.mkdir(parents=True, exist_ok=True)
            matches.append(play_precision_match(args.model, best.backend, best.precision,
                                                games, komi=args.komi, out=folder,
                                                progress=say, **limit))
        if matches:
            report.append(match_table(matches))
    text = "\n\n".join(report) + "\n"
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "gate.md").write_text(text)
    return 1 if args.check and not int8 else 0


def run_export(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from dosaku.arena.precision_gate import compare, gather_positions
    from dosaku.nets import load_model
    from dosaku.nets.inference import OnnxRunner, read_calibration, sidecar
    from dosaku.nets.inference.onnx_runtime import export_onnx

    torch.set_num_threads(1)
    net = load_model(args.model)
    precision = args.quantize or "fp32"
    out = args.out or sidecar(args.model, f"{precision}.onnx")
    stored = sidecar(args.model, "calibration.npz")
    if stored.is_file():
        planes, where = read_calibration(stored), str(stored)
    else:
        planes, where = gather_positions(net, args.positions, args.source)
    export_onnx(net, out, precision, planes if precision == "int8" else None)
    runner = OnnxRunner(out)
    check = compare(net, runner, planes)
    ref = net(torch.from_numpy(planes[:64])).policy
    worst = float("nan")
    if ref is not None:
        worst = float(np.abs(runner.run(planes[:64])[0] - ref.detach().numpy()).max())
    print(f"wrote {out} ({precision}); against torch fp32 on {len(planes)} positions from "
          f"{where}: top-1 agreement {check.top1:.4f}, policy KL {check.kl:.2e}, value MAE "
          f"{check.value_mae:.2e}, largest logit difference {worst:.2e}")
    return 0 if check.passes() else 1
