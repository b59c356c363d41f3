"""Choosing a station's voice without a config file yet: the file is created, valid."""

from __future__ import annotations

import tomllib

from bulletins.config import load_settings
from bulletins.synth.audition import choose


def test_choose_creates_the_config_with_the_default_station(settings):
    new = choose(settings, "ia-hru", "auto", ["vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural"])
    data = tomllib.loads((settings.home / "bulletins.toml").read_text(encoding="utf-8"))
    st = data["stations"][0]
    assert st["id"] == "ia-hru" and st["engine"] == "auto"
    assert st["voices"] == ["vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural"]
    assert [s["name"] for s in st["slots"]] == ["sang", "chieu"]  # the defaults, kept
    assert new.station("ia-hru").voices == load_settings(settings.home).station("ia-hru").voices
