"""Players: put one MP3 on the air, or fail with a reason.

    Player.play(path, timeout_s, cancel) -> None
        returns when the file has played to the end;
        raises PlayError(reason) when the player fails or runs past timeout_s;
        raises PlayInterrupted when `cancel` is set (emergency or shutdown) — the sound stops.

- CommandPlayer: `[playback] command`, split with shlex, the token {file} replaced by the
  path, run without a shell in its own process group; a timeout or cancel kills the group.
  Its own session means a scheduler killed mid-play leaves it playing: the service records
  the group (pid, start time) in run/players/ through `on_spawn`, and the next start finds
  it with `find_orphan` and stops it (see service.Service.recover_interrupted).
- NullPlayer: plays nothing, only logs (tests; download-only stations).
- BuiltinPlayer: the default sound output through miniaudio (bundled decoders and backends,
  no system packages on Linux or Windows). No sound device is a PlayError, never a crash.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..config import PlaybackSettings

log = logging.getLogger("bulletins.schedule.player")
POLL_S = 0.05


class PlayError(Exception):
    """The play failed; `str(exc)` is a Vietnamese reason for the broadcast log."""


class PlayInterrupted(Exception):
    """The play was stopped on purpose (emergency, shutdown)."""


class Player(Protocol):
    name: str

    def play(self, path: Path, timeout_s: float, cancel: threading.Event) -> None: ...


# --- process groups that outlive the scheduler -------------------------------------------
def proc_start_ticks(pid: int) -> int | None:
    """The kernel's start time of a process (Linux /proc), to tell it from a later process
    that reuses its pid; None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:  # the command name may hold spaces and parentheses: fields follow the last ")"
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None


def _zombie(pid: int) -> bool:
    """Ended but not yet reaped by its parent (it plays nothing)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _group_running(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return not _zombie(pgid)


def group_alive(pgid: int, pid: int, start_ticks: int | None) -> bool:
    """Whether the player recorded as (pgid, pid, start) still runs."""
    if sys.platform == "win32":  # pragma: no cover - no process groups to find
        return False
    if not _group_running(pgid):
        return False
    if start_ticks is not None and proc_start_ticks(pid) not in (None, start_ticks):
        return False  # the leader's pid now belongs to someone else
    return True


def stop_group(pgid: int, wait_s: float = 3.0) -> None:
    """SIGTERM a process group, then SIGKILL what is left after `wait_s`."""
    if sys.platform == "win32":  # pragma: no cover
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not _group_running(pgid):
                return
            time.sleep(0.05)


class NullPlayer:
    name = "null"

    def play(self, path: Path, timeout_s: float, cancel: threading.Event) -> None:
        log.info("null player: %s (not played; download only)", path)


def _stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        if sys.platform != "win32":
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.terminate()
        try:
            proc.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            pass
        if sys.platform != "win32":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


class CommandPlayer:
    name = "command"

    def __init__(self, template: str):
        self.template = template

    def argv(self, path: Path) -> list[str]:
        args = shlex.split(self.template, posix=sys.platform != "win32")
        return [a.replace("{file}", str(path)) for a in args]

    def play(self, path: Path, timeout_s: float, cancel: threading.Event,
             on_spawn: Callable[[int, int | None], None] | None = None) -> None:
        """`on_spawn(pid, start_ticks)` is called once the player runs (its pid is its
        process group id), so the caller can record it before anything can go wrong."""
        argv = self.argv(path)
        log.info("playing %s with %s", path, argv[0])
        kw: dict = {"start_new_session": True} if sys.platform != "win32" else {
            "creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        with tempfile.TemporaryFile() as err:
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=err, **kw)
            except OSError as exc:
                raise PlayError(f"Không chạy được lệnh phát «{argv[0]}»: {exc}") from exc
            if on_spawn is not None:
                try:
                    on_spawn(proc.pid, proc_start_ticks(proc.pid))
                except Exception:  # noqa: BLE001 - the play goes on; the record is a safety net
                    log.exception("cannot record the player process")
            deadline = time.monotonic() + timeout_s
            try:
                while proc.poll() is None:
                    if cancel.is_set():
                        _stop_process(proc)
                        raise PlayInterrupted()
                    if time.monotonic() > deadline:
                        _stop_process(proc)
                        raise PlayError(f"Lệnh phát chạy quá {timeout_s:.0f} giây, đã dừng.")
                    cancel.wait(POLL_S)
            finally:
                _stop_process(proc)
            if proc.returncode != 0:
                err.seek(0)
                tail = err.read()[-400:].decode("utf-8", "replace").strip()
                raise PlayError(f"Lệnh phát thoát với mã {proc.returncode}"
                                + (f": {tail}" if tail else "."))


class BuiltinPlayer:
    """miniaudio on the default playback device. `backends` is for tests (e.g. NULL)."""

    name = "builtin"

    def __init__(self, backends: list | None = None):
        self.backends = backends

    def play(self, path: Path, timeout_s: float, cancel: threading.Event) -> None:
        try:
            import miniaudio
        except ImportError as exc:  # pragma: no cover - it is a dependency
            raise PlayError("Thiếu thư viện miniaudio để phát âm thanh.") from exc
        done = threading.Event()
        try:
            info = miniaudio.mp3_get_file_info(str(path))
            source = miniaudio.stream_file(str(path), sample_rate=info.sample_rate,
                                           nchannels=info.nchannels)
        except (miniaudio.MiniaudioError, OSError) as exc:
            raise PlayError(f"Không đọc được tệp âm thanh {path}: {exc}") from exc

        def feed():  # noqa: ANN202 - miniaudio's generator protocol
            frames = yield b""
            try:
                while True:
                    frames = yield source.send(frames)
            except StopIteration:
                done.set()

        stream = feed()
        next(stream)
        try:
            device = miniaudio.PlaybackDevice(
                sample_rate=info.sample_rate, nchannels=info.nchannels,
                **({"backends": self.backends} if self.backends else {}))
        except miniaudio.MiniaudioError as exc:
            raise PlayError(
                f"Không mở được thiết bị âm thanh mặc định ({exc}). Máy có loa/sound card "
                "không? Hoặc đặt [playback] player = \"command\"."
            ) from exc
        log.info("playing %s on the default output (%s)", path, device.backend)
        try:
            try:
                device.start(stream)
            except miniaudio.MiniaudioError as exc:
                raise PlayError(f"Không phát được ra thiết bị âm thanh: {exc}") from exc
            deadline = time.monotonic() + timeout_s
            while not done.is_set():
                if cancel.is_set():
                    raise PlayInterrupted()
                if time.monotonic() > deadline:
                    raise PlayError(f"Phát quá {timeout_s:.0f} giây mà chưa hết, đã dừng.")
                cancel.wait(POLL_S)
            time.sleep(0.3)  # let the device drain its last buffer
        finally:
            device.close()


def make_player(playback: PlaybackSettings) -> Player:
    if playback.player == "command":
        return CommandPlayer(playback.command)
    if playback.player == "null":
        return NullPlayer()
    return BuiltinPlayer()


def mp3_duration_s(path: Path) -> float:
    """Length of an MP3 in seconds (0.0 when unreadable)."""
    try:
        from mutagen.mp3 import MP3

        return float(MP3(str(path)).info.length)
    except Exception:  # noqa: BLE001 - any unreadable file just has no known length
        return 0.0
