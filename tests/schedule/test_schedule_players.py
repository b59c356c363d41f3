import sys
import threading
import time
from pathlib import Path

import pytest

from bulletins.audio import ffmpeg_exe
from bulletins.config import PlaybackSettings
from bulletins.schedule.players import (
    BuiltinPlayer,
    CommandPlayer,
    NullPlayer,
    PlayError,
    PlayInterrupted,
    make_player,
    mp3_duration_s,
)


@pytest.fixture(scope="module")
def mp3(tmp_path_factory) -> Path:
    import subprocess

    path = tmp_path_factory.mktemp("audio") / "tin ngắn.mp3"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=f=440:d=0.6", "-ac", "1", "-ar", "22050", str(path)], check=True)
    return path


def _cmd(code: str) -> str:
    return f'"{sys.executable}" -c "{code}" {{file}}'


def test_command_player_replaces_file_token_without_shell(mp3, tmp_path):
    out = tmp_path / "out.txt"
    script = tmp_path / "p.py"
    script.write_text("import sys; open(sys.argv[2], 'a').write(sys.argv[1])")
    CommandPlayer(f'"{sys.executable}" "{script}" {{file}} "{out}"').play(
        mp3, 10, threading.Event())
    assert out.read_text() == str(mp3)  # a path with a space and Vietnamese letters, intact


def test_command_player_nonzero_exit_is_failure(mp3):
    with pytest.raises(PlayError, match="mã 3"):
        CommandPlayer(_cmd("import sys; sys.exit(3)")).play(mp3, 10, threading.Event())


def test_command_player_missing_program(mp3):
    with pytest.raises(PlayError, match="Không chạy được"):
        CommandPlayer("khong-co-chuong-trinh-nay {file}").play(mp3, 10, threading.Event())


def test_command_player_timeout_kills_the_process_group(mp3):
    t0 = time.monotonic()
    with pytest.raises(PlayError, match="quá"):
        CommandPlayer(_cmd("import time; time.sleep(30)")).play(mp3, 0.5, threading.Event())
    assert time.monotonic() - t0 < 5


def test_command_player_cancel(mp3):
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    t0 = time.monotonic()
    with pytest.raises(PlayInterrupted):
        CommandPlayer(_cmd("import time; time.sleep(30)")).play(mp3, 60, cancel)
    assert time.monotonic() - t0 < 5


def test_null_player_returns(mp3):
    NullPlayer().play(mp3, 1, threading.Event())


def test_make_player():
    assert make_player(PlaybackSettings(player="null")).name == "null"
    assert make_player(PlaybackSettings(player="command")).name == "command"
    assert make_player(PlaybackSettings()).name == "builtin"


def test_mp3_duration(mp3, tmp_path):
    assert 0.5 < mp3_duration_s(mp3) < 0.8
    assert mp3_duration_s(tmp_path / "none.mp3") == 0.0


def _has_sound_device() -> bool:
    import miniaudio

    try:
        miniaudio.PlaybackDevice().close()
        return True
    except miniaudio.MiniaudioError:
        return False


@pytest.mark.skipif(_has_sound_device(), reason="this machine has a sound device")
def test_builtin_player_without_sound_device_fails_cleanly(mp3):
    with pytest.raises(PlayError, match="thiết bị âm thanh"):
        BuiltinPlayer().play(mp3, 10, threading.Event())


def test_builtin_player_plays_to_the_end_on_null_backend(mp3):
    import miniaudio

    t0 = time.monotonic()
    BuiltinPlayer(backends=[miniaudio.Backend.NULL]).play(mp3, 10, threading.Event())
    assert 0.5 < time.monotonic() - t0 < 5


def test_builtin_player_cancel_and_timeout(mp3):
    import miniaudio

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(PlayInterrupted):
        BuiltinPlayer(backends=[miniaudio.Backend.NULL]).play(mp3, 10, cancel)
    with pytest.raises(PlayError, match="quá"):
        BuiltinPlayer(backends=[miniaudio.Backend.NULL]).play(mp3, 0.1, threading.Event())
