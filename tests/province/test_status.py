"""`bulletins status` on a province database; [workers] settings; the shared speech cache."""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from province_harness import province_config

from bulletins.audio import Clip
from bulletins.config import load_settings
from bulletins.errors import ConfigError
from bulletins.news import NewsQueue
from bulletins.province import jobs
from bulletins.synth.cache import SpeechCache

DAY = date.today() + timedelta(days=1)


def _status(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, BULLETINS_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "bulletins", "status", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_status_lists_failed_jobs_and_retries_them(home: Path, pg_url: str,
                                                   redis_url: str) -> None:
    settings = province_config(home, pg_url, redis_url, stations=2)
    NewsQueue(settings).add({"title": "Họp", "body": "Họp dân lúc 19 giờ."})
    ok = jobs.enqueue(settings, "xa-00", DAY, "sang")
    bad = jobs.enqueue(settings, "xa-01", DAY, "sang")
    jobs._set(settings, bad.id, status="failed", error="Không đủ dung lượng đĩa.")
    out = _status(home)
    assert out.returncode == 1, "a failed job makes the command fail, for monitoring"
    assert "Hàng đợi Redis: 2 lệnh chờ" in out.stdout
    assert "Không đủ dung lượng đĩa." in out.stdout
    assert f"bulletins status --retry {bad.id}" in out.stdout
    assert "Tiến trình dựng còn sống: 0" in out.stdout
    assert "xa-00" in out.stdout and "CHƯA có bản tin" in out.stdout
    assert "bulletins@" in out.stdout and "postgresql" in out.stdout

    retried = _status(home, "--retry", str(bad.id))
    assert retried.returncode == 0 and "queued" in retried.stdout
    assert jobs.get_job(settings, bad.id).status == "queued"
    again = _status(home, "--json")
    assert again.returncode == 0
    import json

    data = json.loads(again.stdout)
    assert data["queue_depth"] == 3 and data["jobs"] == {"queued": 2}
    assert data["failed"] == [] and ok.id != bad.id


def test_status_on_one_machine_needs_no_server(home: Path) -> None:
    out = _status(home)
    assert out.returncode == 0, out.stderr
    assert "Chế độ: một máy" in out.stdout and "Redis" not in out.stdout


def test_worker_without_broker_is_a_clear_error(home: Path) -> None:
    env = dict(os.environ, BULLETINS_HOME=str(home))
    out = subprocess.run([sys.executable, "-m", "bulletins", "worker"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "broker_url" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("text, fragment", [
    ('[workers]\nbroker_url = "http://x"\n', "workers.broker_url"),
    ('[workers]\nmax_retries = -1\n', "[workers]"),
    ('[workers]\nbrokers = "redis://x"\n', "workers.brokers"),
])
def test_bad_workers_settings_are_named(home: Path, text: str, fragment: str) -> None:
    (home / "bulletins.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(home)
    assert fragment in err.value.message


def _writer(root: str, seed: int, rounds: int) -> None:
    cache = SpeechCache(Path(root))
    samples = np.sin(np.linspace(0, 400, 22050)).astype(np.float32) * 0.5
    for _ in range(rounds):
        cache.put("ab" + "0" * 62, Clip(samples, 22050))


def test_speech_cache_same_sentence_from_many_processes(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), n, 30)) for n in range(4)]
    for p in procs:
        p.start()
    cache = SpeechCache(tmp_path)
    reads = 0
    while any(p.is_alive() for p in procs):
        clip = cache.get("ab" + "0" * 62, 22050)
        if clip is not None:  # a reader never sees half an entry
            assert clip.samples.shape[0] == 22050
            reads += 1
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert cache.get("ab" + "0" * 62, 22050).samples.shape[0] == 22050
    assert not list(tmp_path.rglob(".tmp-*")), "no temporary file left behind"
