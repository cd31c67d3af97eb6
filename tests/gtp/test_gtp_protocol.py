"""The GTP wire format, and GtpClient driving a real ``dosaku gtp`` subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from dosaku.io.gtp_protocol import (GtpClient, GtpCommand, GtpError, GtpTimeoutError,
                                    clean_line, format_failure, format_success, parse_line,
                                    parse_response)

DOSAKU = Path(sys.executable).with_name("dosaku")


@pytest.mark.parametrize("line, command", [
    ("name\n", GtpCommand(None, "name", [])),
    ("12 play b D4\n", GtpCommand(12, "play", ["b", "D4"])),
    ("  play\tw   pass  # resign later\r\n", GtpCommand(None, "play", ["w", "pass"])),
    ("3 boardsize 9#no space before the hash", GtpCommand(3, "boardsize", ["9"])),
    ("n\x00a\x1bme", GtpCommand(None, "name", [])),
    ("7", GtpCommand(7, "")),
    ("-1 name", GtpCommand(None, "-1", ["name"])),
    ("\u0664 name", GtpCommand(None, "\u0664", ["name"])),  # not an ASCII digit, not an id
])
def test_parse_line(line, command):
    assert parse_line(line) == command


@pytest.mark.parametrize("line", ["", "\n", "   \t  \r\n", "# only a comment", "\x01\x02"])
def test_lines_without_a_command(line):
    assert parse_line(line) is None


def test_clean_line_keeps_the_command_text():
    assert clean_line("\tplay b\x7f D4 # x") == "play b D4"


def test_format_responses():
    assert format_success(None) == "= \n\n"
    assert format_success(5, "D4") == "=5 D4\n\n"
    assert format_failure(None, "illegal move") == "? illegal move\n\n"
    assert format_failure(9, "cannot undo") == "?9 cannot undo\n\n"
    assert format_success(1, "\n a\n\n b\n") == "=1 \n a\n \n b\n\n", "no empty line inside"


def test_parse_response():
    assert parse_response(["=12 D4"]) == (True, "D4")
    assert parse_response(["= "]) == (True, "")
    assert parse_response(["?3 illegal move"]) == (False, "illegal move")
    assert parse_response(["= ", "   A B", " 2 . ."]) == (True, "A B\n 2 . .")
    with pytest.raises(GtpError):
        parse_response(["hello"])


@pytest.mark.skipif(not DOSAKU.exists(), reason=f"console script {DOSAKU} is not installed")
def test_dosaku_gtp_subprocess_through_the_client():
    with GtpClient([str(DOSAKU), "gtp", "--size", "9", "--seed", "3"], timeout=60) as engine:
        assert engine.send("name") == "dosaku"
        assert engine.send("protocol_version") == "2"
        assert engine.send("boardsize 7") == ""
        assert engine.send("play b D4") == ""
        with pytest.raises(GtpError, match="^illegal move$"):
            engine.send("play w D4")
        with pytest.raises(GtpError, match="unknown command"):
            engine.send("frobnicate")
        move = engine.send("genmove w")
        assert move != "D4" and engine.send("list_stones white") == move
        assert engine.send("is_legal b D4") == "0"
        assert "X" in engine.send("showboard")
        assert engine.send("kata-set-rules tromp-taylor") == ""
        assert re.fullmatch(r"[BW]\+\d+(\.5)?|0", engine.send("final_score"))
        assert engine.send("12 name") == "dosaku"
    assert engine.process.returncode == 0


@pytest.mark.skipif(not DOSAKU.exists(), reason=f"console script {DOSAKU} is not installed")
def test_dosaku_gtp_survives_undecodable_bytes():
    result = subprocess.run([str(DOSAKU), "gtp"], input=b"1 name\n\xff\xfe play\n2 version\n",
                            capture_output=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith(b"=1 dosaku\n\n? unknown command\n\n=2 ")


def test_client_timeout_and_exit():
    sleeper = [sys.executable, "-c", "import time; time.sleep(30)"]
    client = GtpClient(sleeper, timeout=0.3)
    with pytest.raises(GtpTimeoutError):
        client.send("name")
    client.close()
    assert client.process.poll() is not None
    with pytest.raises(GtpError):
        client.send("name")


def test_client_reports_an_engine_that_exits():
    client = GtpClient([sys.executable, "-c", "print('= hello'); print()"], timeout=10)
    assert client.send("name") == "hello"
    with pytest.raises(GtpError, match="exit"):
        client.send("name")
    client.close()
