"""[[sources]] and max_item_s in bulletins.toml: read, defaulted, and bad values refused."""

from __future__ import annotations

import re

import pytest

from bulletins.config import FeedSource, load_settings
from bulletins.errors import ConfigError


def test_sources_and_max_item_s_are_read(home) -> None:  # noqa: ANN001
    (home / "bulletins.toml").write_text("""
[[stations]]
id = "ia-hru"
name = "Ia Hrú"
max_item_s = 120

[[sources]]
url = "https://baogialai.com.vn/rss/thoi-su.rss"
category = "báo tỉnh"

[[sources]]
url = "https://chupah.gialai.gov.vn/rss"
priority = "high"
stations = ["ia-hru"]
""", encoding="utf-8")
    s = load_settings(home)
    assert s.station().max_item_s == 120
    assert s.sources == (
        FeedSource("https://baogialai.com.vn/rss/thoi-su.rss", "báo tỉnh"),
        FeedSource("https://chupah.gialai.gov.vn/rss", "", "high", ("ia-hru",)),
    )


def test_defaults(home) -> None:  # noqa: ANN001
    s = load_settings(home)
    assert s.sources == () and s.station().max_item_s == 90


@pytest.mark.parametrize("text, message", [
    ('[[sources]]\ncategory = "x"\n', "thiếu khóa «url»"),
    ('[[sources]]\nurl = "ftp://x/rss"\n', "không phải địa chỉ http(s)"),
    ('[[sources]]\nurl = "https://x/rss"\npriority = "gấp"\n', "priority"),
    ('[[sources]]\nurl = "https://x/rss"\nlink = "y"\n',
     "Khóa cấu hình không biết: «sources[0].link»"),
    ('[[stations]]\nid = "a"\nname = "A"\nmax_item_s = 5\n', "10–1800 giây"),
])
def test_bad_values_are_named(home, text: str, message: str) -> None:  # noqa: ANN001
    (home / "bulletins.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(home)
