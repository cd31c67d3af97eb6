"""The ``dosaku`` command: gtp on stdin/stdout, a terminal game, benchmarks."""

from __future__ import annotations

import io
import sys

import pytest

from dosaku.cli import main as cli


def run(monkeypatch, argv, stdin=""):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setattr(sys, "stdout", out)
    return cli.main(argv), out.getvalue()


def test_gtp_subcommand(monkeypatch):
    code, out = run(monkeypatch, ["gtp", "--size", "9", "--rules", "tromp-taylor", "--komi", "5"],
                    "1 kata-get-rules\nplay b J9\n2 is_legal w J9\nfinal_score\nquit\n")
    assert code == 0
    assert out == "=1 tromp-taylor\n\n= \n\n=2 0\n\n= B+76\n\n= \n\n"


def test_gtp_says_how_the_network_runs(monkeypatch, capsys):
    code, out = run(monkeypatch, ["gtp", "--player", "zero:visits=2"], "name\nquit\n")
    assert code == 0 and out.startswith("= dosaku")
    err = capsys.readouterr().err  # onnxruntime on the gate's machine class, else torch
    assert "zero:visits=2: network on onnxruntime fp32" in err or "network on torch fp32" in err


def test_gtp_default_size_is_19(monkeypatch):
    _, out = run(monkeypatch, ["gtp"], "play b T19\n")
    assert out == "= \n\n"


def test_gtp_default_player_is_the_net_on_9x9_and_mcts_elsewhere(monkeypatch, capsys):
    code, out = run(monkeypatch, ["gtp", "--visits", "2", "--seed", "1"],
                    "boardsize 9\ngenmove b\nboardsize 7\ngenmove b\nquit\n")
    assert code == 0
    replies = out.split("\n\n")
    assert replies[1].startswith("= ") and replies[3].startswith("= "), out
    err = capsys.readouterr().err  # only the 9x9 player has a network to report
    assert err.count("network on") == 1 and "zero:time=1,visits=2: network on" in err


def test_play_default_player_follows_the_board_size(monkeypatch):
    import dosaku.agents.spec as spec
    from dosaku.agents.random_agent import RandomAgent

    chosen = []

    def build_agent(player, seed=None):
        chosen.append(player)
        return RandomAgent(seed)

    monkeypatch.setattr(spec, "build_agent", build_agent)
    for size in ("9", "5"):
        assert run(monkeypatch, ["play", "--size", size], "quit\n")[0] == 0
    assert chosen == ["zero:time=1", "mcts:time=1"]


def test_gtp_default_player_refuses_a_model_dir(monkeypatch, capsys, tmp_path):
    code, _ = run(monkeypatch, ["gtp", "--model-dir", str(tmp_path)], "quit\n")
    assert code == 2 and "--model-dir needs an alphago --player" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["gtp", "--size", "30"], ["gtp", "--rules", "chess"],
                                  ["play", "--color", "red"], ["bench", "nothing"], []])
def test_bad_arguments_exit_with_usage(monkeypatch, argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2


def test_play_a_whole_game(monkeypatch):
    code, out = run(monkeypatch, ["play", "--size", "5", "--seed", "1", "--rules", "tt"],
                    "pass\n" * 200)
    assert code == 0
    assert "white plays" in out and "result: " in out
    last = out.rsplit("result: ", 1)[1].strip()
    assert last == "0" or last[:2] in ("B+", "W+")


def test_play_bad_input_undo_resign(monkeypatch):
    code, out = run(monkeypatch, ["play", "--size", "5", "--seed", "2"],
                    "\nhello\nZ9\nC3\nC3\nundo\nundo\nC3\nresign\n")
    assert code == 0
    assert "invalid vertex 'hello'" in out
    assert "off a 5x5 board" in out
    assert "illegal move: occupied" in out
    assert "nothing to undo" in out
    assert out.count("black plays C3") == 0 and out.count("white plays") == 2
    assert out.rstrip().endswith("result: W+R")


def test_play_as_white_and_end_of_input(monkeypatch):
    code, out = run(monkeypatch, ["play", "--size", "5", "--color", "white", "--seed", "3"], "")
    assert code == 0
    assert out.count("black plays") == 1 and "result" not in out


def test_play_quit(monkeypatch):
    code, out = run(monkeypatch, ["play", "--size", "5"], "quit\nC3\n")
    assert code == 0 and "result" not in out


def test_bench_runs_the_script_main(monkeypatch, tmp_path):
    script = tmp_path / "rules.py"
    script.write_text("import sys\n"
                      "def main(argv):\n"
                      "    print('bench', argv)\n"
                      "    return 3\n"
                      "if __name__ == '__main__':\n"
                      "    raise SystemExit('must not run as __main__')\n")
    monkeypatch.setattr(cli, "benchmark_path", lambda name: tmp_path / f"{name}.py")
    code, out = run(monkeypatch, ["bench", "rules", "--sizes", "9", "-n", "2"])
    assert code == 3
    assert out == "bench ['--sizes', '9', '-n', '2']\n"


def test_bench_missing_script(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli, "benchmark_path", lambda name: tmp_path / f"{name}.py")
    assert cli.main(["bench", "rules"]) == 2
    assert "not found" in capsys.readouterr().err


def test_benchmark_path_is_in_the_checkout():
    path = cli.benchmark_path("rules")
    assert path.name == "rules.py" and path.parent.name == "benchmarks"
    assert (path.parent.parent / "dosaku" / "__init__.py").exists()
