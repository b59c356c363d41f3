from pathlib import Path

import pytest

from bulletins.config import load_settings
from bulletins.errors import ConfigError
from tests.conftest import write_config

GOOD = """
[[stations]]
id = "ia-hru"
name = "Đài truyền thanh xã Ia Hrú"
[[stations.slots]]
name = "sang"
time = "05:30"
length_s = 600
days = "mon-sun"
[[stations.slots]]
name = "chieu"
time = "17:00:30"
days = "mon-fri"

[playback]
player = "command"
command = "mpv --no-video {file}"
lead_minutes = 0.5
grace_minutes = 10
"""


def test_no_file_means_built_in_defaults(home: Path):
    s = load_settings(home)
    assert s.stations[0].id == "ia-hru"
    assert [sl.length_s for sl in s.stations[0].slots] == [600, 600]
    assert s.audio.loudness_lufs == -16.0 and s.audio.true_peak_dbtp == -1.0
    assert s.db_url.endswith("bulletins.sqlite3")


def test_full_config_is_read(home: Path):
    s = write_config(home, GOOD)
    st = s.station("ia-hru")
    assert st.slot("chieu").hms == (17, 0, 30)
    assert st.slot("chieu").days == "mon-fri"
    assert s.playback.lead_minutes == 0.5 and s.playback.player == "command"


@pytest.mark.parametrize("text, key", [
    ("[audio]\nloudness_lufs = 'to'\n", "audio.loudness_lufs"),
    ("[audio]\nloudnes_lufs = -16\n", "audio.loudnes_lufs"),
    ("[playback]\nplayer = 'vlc'\n", "playback.player"),
    ("[playback]\nplayer = 'command'\ncommand = 'mpv'\n", "playback.command"),
    ("[[stations]]\nid = 'Ia Hru'\nname = 'x'\n", "stations[0].id"),
    ("[[stations]]\nid = 'a'\nname = 'x'\n[[stations.slots]]\nname = 'sang'\ntime = '25:00'\n",
     "stations[0].slots[0].time"),
    ("[[stations]]\nid = 'a'\nname = 'x'\n[[stations.slots]]\nname = 'sang'\ntime = '05:00'\n"
     "days = 'monday-friday'\n", "stations[0].slots[0].days"),
    ("[[stations]]\nname = 'x'\n", "id"),
    ("[engines]\ndefault = 'festival'\n", "engines.default"),
])
def test_bad_values_name_the_key(home: Path, text: str, key: str):
    with pytest.raises(ConfigError) as err:
        write_config(home, text)
    assert key in str(err.value)


def test_broken_toml_is_a_clear_message(home: Path):
    with pytest.raises(ConfigError, match="sai cú pháp TOML"):
        write_config(home, "[audio\n")


def test_unknown_station_and_slot_are_clear(home: Path):
    s = write_config(home, GOOD)
    with pytest.raises(ConfigError, match="Không có đài «xyz»"):
        s.station("xyz")
    with pytest.raises(ConfigError, match="không có khung giờ «toi»"):
        s.station("ia-hru").slot("toi")


def test_engine_chain_and_two_announcers(home):
    from bulletins.config import AUTO_CHAIN
    from bulletins.errors import ConfigError

    s = write_config(home, '[engines]\nauto = ["gtts", "espeak"]\nedge_voice = '
                           '"vi-VN-NamMinhNeural"\n[[stations]]\nid = "a"\nname = "A"\n'
                           'voices = ["vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural"]\n')
    assert s.engines.auto == ("gtts", "espeak") and s.engines.edge_voice == "vi-VN-NamMinhNeural"
    assert s.station("a").voices == ("vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural")
    assert load_settings(home.parent).engines.auto == AUTO_CHAIN
    for bad, words in (('[engines]\nauto = "edge"', "danh sách chuỗi"),
                       ('[engines]\nauto = ["edge", "robot"]', "engines.auto"),
                       ('[engines]\nauto = []', "engines.auto"),
                       ('[[stations]]\nid = "a"\nname = "A"\nvoices = ["vi", "vi", "vi"]',
                        "tối đa hai giọng")):
        with pytest.raises(ConfigError, match=words):
            write_config(home, bad)
