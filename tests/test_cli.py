"""The `bulletins` command as an editor or operator runs it (real processes where it matters)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletins.cli import cli

SAMPLE = Path(__file__).resolve().parent.parent / "bulletins" / "data" / "sample_news.json"


def run(home: Path, *args: str, input: str | None = None):
    from bulletins.cli import Context

    return CliRunner().invoke(cli, ["--home", str(home), *args], input=input, obj=Context(None),
                              catch_exceptions=False)


def bulletins(home: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "BULLETINS_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "bulletins", *args], env=env,
                          capture_output=True, text=True, **kw)


def test_news_add_list_json(home):
    r = run(home, "news", "add", "--title", "Lịch tiêm", "--body", "Ngày 15/11 tiêm vắc xin",
            "--priority", "cao")
    assert r.exit_code == 0 and "Đã thêm tin số 1" in r.output
    r = run(home, "news", "list", "--json")
    items = json.loads(r.output)
    assert items[0]["title"] == "Lịch tiêm" and items[0]["priority"] == "high"


def test_home_option_works_after_the_subcommand_too(tmp_path):
    other = tmp_path / "other"
    r = CliRunner().invoke(cli, ["news", "add", "--home", str(other), "--title", "A",
                                 "--body", "b"])
    assert r.exit_code == 0, r.output
    assert (other / "bulletins.sqlite3").exists()


def test_bad_input_is_one_vietnamese_line_not_a_traceback(home, tmp_path):
    bad = tmp_path / "tin.csv"
    bad.write_text("title,body,priority\nA,a,normal\nB,b,gấp\n", encoding="utf-8")
    p = bulletins(home, "news", "import", str(bad))
    assert p.returncode == 1
    assert p.stderr.startswith("Lỗi: Dòng 3 của tin.csv") and "Traceback" not in p.stderr
    p = bulletins(home, "news", "list", "--json")
    assert json.loads(p.stdout) == []


def test_bad_config_is_reported_with_its_key(home):
    (home / "bulletins.toml").write_text("[audio]\nbitrate_kbps = 65\n", encoding="utf-8")
    p = bulletins(home, "news", "list")
    assert p.returncode == 1 and "audio.bitrate_kbps" in p.stderr and "Traceback" not in p.stderr


def test_normalize_reads_stdin_line_by_line(home):
    r = run(home, "normalize", "-", input="UBND xã họp ngày 2/9\nCó 25 hộ\n")
    lines = r.output.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Ủy ban nhân dân xã họp ngày")
    assert "hai mươi lăm" in lines[1]
    assert not any(ch.isdigit() for ch in r.output)


@pytest.mark.slow
def test_build_prints_the_mp3_path_last(home):
    assert bulletins(home, "news", "import", str(SAMPLE)).returncode == 0
    p = bulletins(home, "build", "--station", "ia-hru", "--date", "2026-11-25", "--slot",
                  "sang", "--length", "120", "--engine", "espeak")
    assert p.returncode == 0, p.stderr
    last = p.stdout.strip().splitlines()[-1]
    assert last.endswith("audio_out/ia-hru/2026-11-25/sang.mp3") and Path(last).is_file()
    assert Path(last).with_suffix(".json").is_file() and Path(last).with_suffix(".txt").is_file()


@pytest.mark.slow
def test_demo_runs_offline_and_prints_the_mp3(home):
    p = bulletins(home, "demo")
    assert p.returncode == 0, p.stderr
    mp3 = Path(p.stdout.strip().splitlines()[-1])
    assert mp3.is_file() and mp3.stat().st_size > 100_000
    m = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
    assert 585 <= m["duration_s"] <= 600 and m["deferred"]


@pytest.mark.slow
def test_a_killed_build_leaves_no_mp3_at_the_final_path(home):
    assert bulletins(home, "news", "import", str(SAMPLE)).returncode == 0
    out = home / "audio_out" / "ia-hru" / "2026-11-25"
    env = {**os.environ, "BULLETINS_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulletins", "build", "--date", "2026-11-25", "--slot", "sang",
         "--engine", "espeak"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.is_dir() and any(p.name.endswith(".part") for p in out.iterdir()):
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "sang.mp3").exists()
    assert not (out / "sang.json").exists()
    # The next build cleans up and publishes normally; nothing in the queue was lost.
    p = bulletins(home, "build", "--date", "2026-11-25", "--slot", "sang", "--length", "120",
                  "--engine", "espeak")
    assert p.returncode == 0, p.stderr
    assert (out / "sang.mp3").is_file()
