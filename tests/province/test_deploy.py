"""The province deployment files: the [[stations]] generator's output loads as config, and
docker-compose.yml is consistent offline (no Docker engine needed): it parses, every
service runs a real `bulletins` command with real options, and the files it mounts or
builds from exist and load."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import yaml

from bulletins.cli import cli
from bulletins.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
HEAD = ('database_url = "postgresql+psycopg://bantin:x@127.0.0.1/bantin"\n'
        '[workers]\nbroker_url = "redis://127.0.0.1:6379/0"\n')


def _generate(*args: str) -> str:
    out = subprocess.run([sys.executable, str(ROOT / "deploy" / "stations_toml.py"), *args],
                         capture_output=True, text=True, check=True)
    return out.stdout


def test_fifty_generated_stations_load_as_config(tmp_path: Path) -> None:
    (tmp_path / "bulletins.toml").write_text(HEAD + _generate("--count", "50", "--time", "05:30"),
                                             encoding="utf-8")
    settings = load_settings(tmp_path)
    assert [s.id for s in settings.stations] == [f"xa-{i:02d}" for i in range(1, 51)]
    assert {(sl.name, sl.time) for s in settings.stations for sl in s.slots} == {("sang",
                                                                                   "05:30")}


def test_stations_from_csv_keep_names_and_times(tmp_path: Path) -> None:
    csv = tmp_path / "xa.csv"
    csv.write_text('id,name,time\nia-hru,Đài xã Ia Hrú,05:30\nchu-se,"Thị trấn ""Chư Sê"", '
                   'huyện Chư Sê",05:45\n', encoding="utf-8")
    (tmp_path / "bulletins.toml").write_text(HEAD + _generate(str(csv)), encoding="utf-8")
    st = load_settings(tmp_path).stations
    assert [(s.id, s.name, s.slots[0].time) for s in st] == [
        ("ia-hru", "Đài xã Ia Hrú", "05:30"), ("chu-se", 'Thị trấn "Chư Sê", huyện Chư Sê',
                                               "05:45")]
    csv.write_text("Ia Hrú,Đài xã\n", encoding="utf-8")  # not an id: refused, with the line
    bad = subprocess.run([sys.executable, str(ROOT / "deploy" / "stations_toml.py"), str(csv)],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "xa.csv:1" in bad.stderr and "Ia Hrú" in bad.stderr


def test_compose_file_runs_real_commands_and_mounts_real_files(tmp_path: Path) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "web", "scheduler", "worker"} <= set(services)
    ran = set()
    for name in ("web", "scheduler", "worker"):
        cmd = services[name]["command"]
        assert cmd[0] == "bulletins", name
        command = cli.commands[cmd[1]]
        ran.add(cmd[1])
        known = {o for p in command.params if isinstance(p, click.Option) for o in p.opts}
        assert {a for a in cmd[2:] if a.startswith("-")} <= known, (name, cmd)
        ctx = command.make_context(cmd[1], list(cmd[2:]), resilient_parsing=False)
        assert ctx.params is not None
        for volume in services[name]["volumes"]:
            src = volume.split(":")[0]
            if src.startswith("./"):
                assert (ROOT / src).is_file(), volume
        assert set(services[name]["depends_on"]) <= set(services)
    assert ran == {"serve", "schedule", "worker"}
    assert services["worker"]["deploy"]["replicas"] == 2
    # the mounted config loads and points at the compose services by name
    (tmp_path / "bulletins.toml").write_text(
        (ROOT / "deploy" / "bulletins.toml").read_text(encoding="utf-8"), encoding="utf-8")
    settings = load_settings(tmp_path)
    assert "@postgres/" in settings.database_url and "//redis:" in settings.workers.broker_url
    env = services["postgres"]["environment"]
    assert f"{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@" in settings.database_url
    # what the image copies exists
    for line in (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            for src in re.split(r"\s+", line)[1:-1]:
                assert (ROOT / src).exists(), line

