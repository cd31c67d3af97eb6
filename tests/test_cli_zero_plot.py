"""``dosaku zero plot``: the curves of a run folder, with pauses left out of the hours."""

from __future__ import annotations

import json

from dosaku.cli import main as cli
from dosaku.cli.zero import running_hours


def entries(start: float = 1000.0) -> list[dict]:
    """Two generations, then the run killed for a day and resumed for a third."""
    out, t = [], start
    for generation in (1, 2, 3):
        if generation == 3:
            t += 86_400
            out.append({"phase": "start", "generation": 2, "time": t})
        for phase in ("selfplay", "train", "eval"):
            t += 600
            out.append({"phase": phase, "generation": generation, "time": t, "games": 8,
                        "black_wins": 4, "moves": 400, "policy_loss": 3.0, "value_loss": 0.9,
                        "elo": 50.0, "accepted": True})
    return out


def test_running_hours_leave_out_the_pause_before_a_resume_and_long_gaps():
    log = entries()
    hours = running_hours(log)
    assert [round(hours[id(e)], 3) for e in log] == [0.0, 0.167, 0.333, 0.5, 0.667, 0.833,
                                                     0.833, 1.0, 1.167, 1.333]
    no_start = [e for e in log if e["phase"] != "start"]  # an older run: the long gap alone
    assert round(running_hours(no_start)[id(no_start[-1])], 3) == 1.167


def test_plot_writes_a_png(tmp_path, capsys):
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries()))
    out = tmp_path / "curves.png"
    assert cli.main(["zero", "plot", str(tmp_path), "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
