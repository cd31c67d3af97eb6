"""``dosaku zero plot``: the curves of a run folder, with pauses left out of the hours."""

from __future__ import annotations

import json

import pytest

from dosaku.cli import main as cli
from dosaku.cli.zero import chained_elo, pooled_matches, running_hours


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


def test_chained_elo_sums_accepted_links_and_adds_their_errors_in_quadrature():
    links = [{"elo": 100.0, "elo_low": -100.0, "elo_high": 300.0, "accepted": True},
             {"elo": -50.0, "elo_low": -200.0, "elo_high": 100.0, "accepted": False},
             {"elo": 30.0, "elo_low": -120.0, "elo_high": 180.0, "accepted": True}]
    chain = chained_elo(links)
    assert [total for _, total, _ in chain] == [100.0, 100.0, 130.0]
    assert [round(half, 6) for _, _, half in chain] == [200.0, 200.0, 250.0]  # 200² + 150²


def test_pooled_matches_add_up_the_games_of_each_group():
    checks = [{"wins": w, "games": 10} for w in (2, 4, 6, 8, 5)]
    pooled = pooled_matches(checks, 2)
    assert [len(group) for group, _ in pooled] == [2, 2, 1]
    assert [(s["wins"], s["games"]) for _, s in pooled] == [(6, 20), (14, 20), (5, 10)]
    first = pooled[0][1]
    assert first["elo_low"] < first["elo"] < 0 < first["elo_high"]  # 30%: even is inside
    wide = pooled_matches(checks, 1)[0][1]  # 10 games: a wider interval than 20
    assert wide["elo_high"] - wide["elo_low"] > first["elo_high"] - first["elo_low"]
    with pytest.raises(ValueError, match="pool"):
        pooled_matches(checks, 0)


def test_plot_refuses_a_folder_without_metrics_and_a_bad_pool(tmp_path, capsys):
    assert cli.main(["zero", "plot", str(tmp_path)]) == 2
    assert "no metrics.jsonl" in capsys.readouterr().err
    assert not (tmp_path / "curves.png").exists()
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries()))
    with pytest.raises(SystemExit) as stop:
        cli.main(["zero", "plot", str(tmp_path), "--pool", "0"])
    assert stop.value.code == 2 and "must be at least 1" in capsys.readouterr().err


def test_plotting_a_run_never_loads_torch(tmp_path):
    """Drawing curves must work (and start fast) where only the run folder is at hand: the
    plot reads metrics.jsonl with numpy and matplotlib alone."""
    import subprocess
    import sys

    log = entries() + [{"phase": "gnugo", "generation": 3, "time": 1e5, "wins": 4, "games": 10,
                        "win_rate": 0.4, "elo": -70.0, "elo_low": -250.0, "elo_high": 100.0}]
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log))
    code = ("import sys\nfrom dosaku.cli import main as cli\n"
            f"assert cli.main(['zero', 'plot', {str(tmp_path)!r}, '--out', "
            f"{str(tmp_path / 'c.png')!r}]) == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch')[:3])\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert run.stdout.splitlines()[-1] == "[]"


def test_plot_draws_the_fresh_game_value_curves_where_the_log_has_them(tmp_path):
    log = entries()
    for e in log:
        if e["phase"] == "selfplay":
            e |= {"value_mse_fresh": 0.7, "value_calibration_error": 0.1,
                  "search_value_mse_fresh": 0.5 if e["generation"] > 1 else None}
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log))
    out = tmp_path / "curves.png"
    assert cli.main(["zero", "plot", str(tmp_path), "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
