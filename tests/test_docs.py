"""The README documents every command and every setting (so it stays true as code grows)."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import click
import pytest

from bulletins import config
from bulletins.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        if isinstance(cmd, click.Group):
            out += _commands(cmd, full + " ")
        else:
            out.append(full)
    return out


@pytest.mark.parametrize("command", _commands(cli))
def test_every_command_is_in_the_readme(command):
    # "news add" may be documented as "news add|import|list" or on its own line.
    head, *rest = command.split()
    pattern = rf"bulletins {re.escape(head)}" + (rf"\s+\S*{re.escape(rest[0])}" if rest else "")
    assert re.search(pattern, README), f"`bulletins {command}` is not documented in README.md"


SECTIONS = {
    "audio": config.AudioSettings, "engines": config.EngineSettings,
    "normalize": config.NormalizeSettings, "playback": config.PlaybackSettings,
    "web": config.WebSettings, "workers": config.WorkersSettings,
    "station": config.StationMachineSettings,
}


@pytest.mark.parametrize("section, key", [
    (name, f.name) for name, cls in SECTIONS.items() for f in fields(cls)
] + [("", "database_url")] + [("stations", f.name) for f in fields(config.Station)
                                if f.name != "slots"]
  + [("stations.slots", f.name) for f in fields(config.Slot)])
def test_every_setting_is_in_the_readme(section, key):
    assert re.search(rf"^{re.escape(key)} = ", README, re.M), \
        f"setting {section}.{key} is not documented in README.md"
