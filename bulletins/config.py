"""Settings: the home folder and `bulletins.toml`, every key with a default.

The file is optional. A bad value raises ConfigError naming the key and the problem, in
Vietnamese, because the person editing the file is an operator, not a developer.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_NAME = "bulletins.toml"
ENGINES = ("auto", "edge", "gtts", "espeak", "piper")
AUTO_CHAIN = ("edge", "gtts", "piper", "espeak")  # best first; espeak is always last
ESPEAK_VOICES = ("vi", "vi-VN-x-central", "vi-VN-x-south")
PLAYERS = ("command", "null", "builtin")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


RECORDINGS = ("vi", "recording", "both")


@dataclass(frozen=True)
class Slot:
    name: str
    time: str  # "HH:MM" or "HH:MM:SS"
    length_s: int = 600
    days: str = "mon-sun"
    # recorded: an item with both text and a recording airs "vi" (the text), "recording"
    # (the recording after its title) or "both" in turn.
    recordings: str = "both"

    @property
    def hms(self) -> tuple[int, int, int]:
        parts = [int(p) for p in self.time.split(":")]
        return (parts[0], parts[1], parts[2] if len(parts) > 2 else 0)


@dataclass(frozen=True)
class Station:
    id: str
    name: str
    greeting: str = ""
    engine: str = ""  # empty: use [engines] default
    voice: str = ""  # empty: the engine's default voice
    voices: tuple[str, ...] = ()  # two announcers taking turns by item; overrides `voice`
    slots: tuple[Slot, ...] = ()
    feed_token: str = ""  # when set, the RSS feed and downloads need ?token=
    max_item_s: int = 90  # `news shorten` target: the longest an item should read

    def slot(self, name: str) -> Slot:
        for s in self.slots:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.slots) or "(không có)"
        raise ConfigError(
            f"Đài «{self.id}» không có khung giờ «{name}».", f"Các khung giờ có: {known}."
        )


@dataclass(frozen=True)
class AudioSettings:
    sample_rate: int = 22050
    bitrate_kbps: int = 64
    loudness_lufs: float = -16.0
    true_peak_dbtp: float = -1.0
    highpass_hz: int = 120
    pause_ms: int = 700  # between parts of the bulletin
    sentence_pause_ms: int = 250  # between sentences inside a part
    jingle: str = ""  # path to a station jingle; empty: a generated chime
    max_tempo_change: float = 0.08  # at most ±8 % pitch-preserving tempo change
    fill_margin_s: int = 15  # aim to end within this many seconds of the slot
    max_pause_ms: int = 1500  # pauses between parts stretch up to this before speech slows
    safety_ms: int = 400  # headroom for encoder padding so the MP3 never overruns


@dataclass(frozen=True)
class EngineSettings:
    default: str = "espeak"
    espeak_voice: str = "vi"
    espeak_rate_wpm: int = 150
    gtts_tld: str = "com.vn"
    gtts_timeout_s: float = 8.0
    piper_model: str = ""  # catalogue name (bulletins voice install) or path to a .onnx model
    piper_speaker: int = -1
    edge_voice: str = "vi-VN-HoaiMyNeural"
    edge_timeout_s: float = 8.0
    edge_url: str = ""  # empty: Microsoft's service; a ws:// URL for a relay (or a test)
    auto: tuple[str, ...] = AUTO_CHAIN  # the order "auto" tries engines in
    voices_url: str = "https://huggingface.co/rhasspy/piper-voices/resolve"


@dataclass(frozen=True)
class NormalizeSettings:
    thousand: str = "nghìn"  # or "ngàn" (southern)
    zero_tens: str = "linh"  # or "lẻ"
    lexicon: str = "lexicon.tsv"  # station lexicon in the home folder


@dataclass(frozen=True)
class PlaybackSettings:
    player: str = "builtin"
    command: str = "mpv --no-video {file}"
    lead_minutes: float = 30.0
    grace_minutes: float = 10.0
    on_missing: str = "build"  # or "last_good": what to play when the build is missing
    timeout_margin_s: float = 60.0


@dataclass(frozen=True)
class WebSettings:
    secret_key: str = ""  # empty: generated once and kept in the home folder
    max_body_chars: int = 20000
    max_upload_bytes: int = 2_000_000
    # The public address operators use, e.g. "https://bantin.example.vn". Feed links come
    # from it and an https address makes the session cookie Secure; never the Host header.
    base_url: str = ""


@dataclass(frozen=True)
class StationMachineSettings:
    """[station]: the province server's view of its station machines, and their sync pace."""

    silent_after_minutes: float = 30.0  # server: flag a joined station silent this long
    sync_seconds: float = 30.0  # station machine: ask the server for news this often


@dataclass(frozen=True)
class FeedSource:
    """An RSS/Atom feed whose new articles arrive as drafts (`bulletins news poll`)."""

    url: str
    category: str = ""
    priority: str = "normal"
    stations: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkersSettings:
    """Province deployment: builds run as Dramatiq jobs on worker processes (empty: in-process)."""

    broker_url: str = ""  # "redis://host:6379/0"; empty keeps the one-machine default
    queue: str = "bulletins"
    max_retries: int = 3  # retries with backoff after an unexpected error, then "failed"
    heartbeat_timeout_s: float = 60.0  # a worker silent this long is dead; its job is redone
    time_limit_s: int = 1800  # a build running longer than this is aborted and retried


DEFAULT_STATION = Station(
    id="ia-hru",
    name="Đài truyền thanh xã Ia Hrú",
    slots=(Slot("sang", "05:30"), Slot("chieu", "17:00")),
)


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str = ""
    stations: tuple[Station, ...] = (DEFAULT_STATION,)
    audio: AudioSettings = field(default_factory=AudioSettings)
    engines: EngineSettings = field(default_factory=EngineSettings)
    normalize: NormalizeSettings = field(default_factory=NormalizeSettings)
    playback: PlaybackSettings = field(default_factory=PlaybackSettings)
    web: WebSettings = field(default_factory=WebSettings)
    sources: tuple[FeedSource, ...] = ()
    workers: WorkersSettings = field(default_factory=WorkersSettings)
    station_machine: StationMachineSettings = field(default_factory=StationMachineSettings)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'bulletins.sqlite3'}"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def audio_out(self) -> Path:
        return self.home / "audio_out"

    @property
    def templates_dir(self) -> Path:
        return self.home / "templates"

    @property
    def lexicon_path(self) -> Path:
        return self.home / self.normalize.lexicon

    def station(self, station_id: str | None = None) -> Station:
        if station_id is None:
            return self.stations[0]
        for st in self.stations:
            if st.id == station_id:
                return st
        known = ", ".join(s.id for s in self.stations)
        raise ConfigError(f"Không có đài «{station_id}».", f"Các đài đã cấu hình: {known}.")

    def engine_for(self, station: Station) -> str:
        return station.engine or self.engines.default


def resolve_home(home: str | Path | None = None) -> Path:
    """--home, else $BULLETINS_HOME, else the current folder."""
    raw = home or os.environ.get("BULLETINS_HOME") or "."
    return Path(raw).expanduser().resolve()


def load_settings(home: str | Path | None = None) -> Settings:
    home_path = resolve_home(home)
    path = home_path / CONFIG_NAME
    if not path.exists():
        return Settings(home=home_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"Tệp {path} không phải văn bản UTF-8.", "Lưu lại tệp với mã UTF-8."
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Tệp {path} sai cú pháp TOML: {exc}.") from exc
    return settings_from_dict(data, home_path)


def settings_from_dict(data: dict[str, Any], home: Path) -> Settings:
    known = {"database_url", "stations", "audio", "engines", "normalize", "playback", "web",
             "sources", "workers", "station"}
    _no_unknown(data, known, "")
    kw: dict[str, Any] = {"home": home}
    if "database_url" in data:
        kw["database_url"] = _typed(data["database_url"], str, "database_url")
    for name, cls in (("audio", AudioSettings), ("engines", EngineSettings),
                      ("normalize", NormalizeSettings), ("playback", PlaybackSettings),
                      ("web", WebSettings), ("workers", WorkersSettings)):
        if name in data:
            kw[name] = _section(cls, data[name], name)
    if "stations" in data:
        kw["stations"] = _stations(data["stations"])
    if "sources" in data:
        kw["sources"] = _sources(data["sources"])
    if "station" in data:
        kw["station_machine"] = _section(StationMachineSettings, data["station"], "station")
    settings = Settings(**kw)
    _validate(settings)
    return settings


def _no_unknown(table: dict[str, Any], allowed: set[str], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"Khóa cấu hình không biết: «{prefix}{key}».",
                "Các khóa hợp lệ: " + ", ".join(sorted(allowed)) + ".",
            )


def _entry(value: Any, key: str, allowed: set[str], required: tuple[str, ...]) -> dict:
    """One entry of an array of tables ([[stations]], [[sources]], …): a table with only
    `allowed` keys and every `required` one."""
    if not isinstance(value, dict):
        raise ConfigError(f"«{key}» phải là một bảng.")
    _no_unknown(value, allowed, key + ".")
    for req in required:
        if req not in value:
            raise ConfigError(f"«{key}» thiếu khóa «{req}».")
    return value


def _typed(value: Any, typ: type, key: str) -> Any:
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, typ) or (typ in (int, float) and isinstance(value, bool)):
        names = {str: "chuỗi chữ", int: "số nguyên", float: "số", bool: "true/false"}
        raise ConfigError(
            f"Khóa «{key}» phải là {names.get(typ, typ.__name__)}, nhưng đang là {value!r}."
        )
    return value


def _section(cls: type, table: Any, prefix: str) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"«[{prefix}]» phải là một bảng (table).")
    allowed = {f.name for f in fields(cls)}
    _no_unknown(table, allowed, prefix + ".")
    names = {"str": str, "int": int, "float": float, "bool": bool, "tuple[str, ...]": tuple}
    types = {f.name: names[str(f.type)] for f in fields(cls)}
    values = {k: _str_list(v, f"{prefix}.{k}") if types[k] is tuple
              else _typed(v, types[k], f"{prefix}.{k}") for k, v in table.items()}
    return cls(**values)


def _str_list(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"Khóa «{key}» phải là danh sách chuỗi, ví dụ [\"a\", \"b\"].")
    return tuple(value)


_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


def _stations(raw: Any) -> tuple[Station, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError("«stations» phải là danh sách [[stations]] có ít nhất một đài.")
    out = []
    seen: set[str] = set()
    for i, st in enumerate(raw):
        key = f"stations[{i}]"
        _entry(st, key, {"id", "name", "greeting", "engine", "voice", "voices", "slots",
                         "feed_token", "max_item_s"}, ("id", "name"))
        sid = _typed(st["id"], str, f"{key}.id")
        if not _ID_RE.match(sid):
            raise ConfigError(
                f"«{key}.id» = {sid!r} không hợp lệ.",
                "Chỉ dùng chữ thường không dấu, số, '-' hoặc '_', ví dụ \"ia-hru\".",
            )
        if sid in seen:
            raise ConfigError(f"Mã đài «{sid}» bị lặp trong «stations».")
        seen.add(sid)
        slots = _slots(st.get("slots", []), f"{key}.slots")
        out.append(Station(
            id=sid,
            name=_typed(st["name"], str, f"{key}.name"),
            greeting=_typed(st.get("greeting", ""), str, f"{key}.greeting"),
            engine=_typed(st.get("engine", ""), str, f"{key}.engine"),
            voice=_typed(st.get("voice", ""), str, f"{key}.voice"),
            voices=_str_list(st.get("voices", []), f"{key}.voices"),
            feed_token=_typed(st.get("feed_token", ""), str, f"{key}.feed_token"),
            slots=slots or DEFAULT_STATION.slots,
            max_item_s=_max_item_s(st.get("max_item_s", 90), f"{key}.max_item_s"),
        ))
    return tuple(out)


def _max_item_s(value: Any, key: str) -> int:
    seconds = _typed(value, int, key)
    if not 10 <= seconds <= 1800:
        raise ConfigError(f"«{key}» = {seconds} phải trong khoảng 10–1800 giây.")
    return seconds


def _sources(raw: Any) -> tuple[FeedSource, ...]:
    """[[sources]] url = "https://…/rss", category = "…" (priority, stations optional)."""
    if not isinstance(raw, list):
        raise ConfigError("«sources» phải là danh sách [[sources]].")
    out = []
    for i, src in enumerate(raw):
        key = f"sources[{i}]"
        _entry(src, key, {"url", "category", "priority", "stations"}, ("url",))
        url = _typed(src["url"], str, f"{key}.url").strip()
        if not re.match(r"^https?://\S+$", url):
            raise ConfigError(f"«{key}.url» = {url!r} không phải địa chỉ http(s).")
        priority = _typed(src.get("priority", "normal"), str, f"{key}.priority")
        if priority not in ("urgent", "high", "normal", "low"):
            raise ConfigError(f"«{key}.priority» phải là urgent, high, normal hoặc low.")
        stations = src.get("stations", [])
        if not isinstance(stations, list) or not all(isinstance(x, str) for x in stations):
            raise ConfigError(f"«{key}.stations» phải là danh sách mã đài.")
        out.append(FeedSource(url=url, category=_typed(src.get("category", ""), str,
                                                         f"{key}.category"),
                              priority=priority, stations=tuple(stations)))
    return tuple(out)


def _slots(raw: Any, prefix: str) -> tuple[Slot, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"«{prefix}» phải là danh sách [[stations.slots]].")
    out = []
    for j, sl in enumerate(raw):
        key = f"{prefix}[{j}]"
        _entry(sl, key, {"name", "time", "length_s", "days", "recordings"}, ("name", "time"))
        name = _typed(sl["name"], str, f"{key}.name")
        if not _ID_RE.match(name):
            raise ConfigError(
                f"«{key}.name» = {name!r} không hợp lệ.",
                "Tên khung giờ dùng chữ thường không dấu, ví dụ \"sang\", \"chieu\".",
            )
        time = _typed(sl["time"], str, f"{key}.time")
        if not _TIME_RE.match(time):
            raise ConfigError(
                f"«{key}.time» = {time!r} không phải giờ hợp lệ (HH:MM hoặc HH:MM:SS)."
            )
        length = _typed(sl.get("length_s", 600), int, f"{key}.length_s")
        if not 20 <= length <= 7200:
            raise ConfigError(f"«{key}.length_s» = {length} phải trong khoảng 20–7200 giây.")
        days = _typed(sl.get("days", "mon-sun"), str, f"{key}.days")
        check_days(days, f"{key}.days")
        recordings = _typed(sl.get("recordings", "both"), str, f"{key}.recordings")
        if recordings not in RECORDINGS:
            raise ConfigError(f"«{key}.recordings» = {recordings!r} không hợp lệ.",
                              "Dùng \"vi\" (đọc tiếng Việt), \"recording\" (phát bản ghi âm) "
                              "hoặc \"both\" (cả hai).")
        out.append(Slot(name=name, time=time, length_s=length, days=days,
                        recordings=recordings))
    names = [s.name for s in out]
    if len(names) != len(set(names)):
        raise ConfigError(f"Tên khung giờ bị lặp trong «{prefix}».")
    return tuple(out)


_DAY = r"(mon|tue|wed|thu|fri|sat|sun|[0-6])"
_DAY_RE = re.compile(rf"^(\*|{_DAY}(-{_DAY})?)$")


def check_days(days: str, key: str) -> None:
    parts = [p.strip() for p in days.lower().split(",")]
    if not parts or not all(_DAY_RE.match(p) for p in parts):
        raise ConfigError(
            f"«{key}» = {days!r} không đúng cú pháp ngày trong tuần.",
            "Ví dụ: \"mon-sun\", \"mon-fri\", \"mon,wed,fri\".",
        )


def _validate(s: Settings) -> None:
    a, e, p = s.audio, s.engines, s.playback
    checks = [
        (a.sample_rate in (16000, 22050, 24000, 32000, 44100, 48000), "audio.sample_rate",
         "phải là 16000, 22050, 24000, 32000, 44100 hoặc 48000"),
        (a.bitrate_kbps in (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192), "audio.bitrate_kbps",
         "phải là một tốc độ MP3 chuẩn, ví dụ 64"),
        (-40 <= a.loudness_lufs <= -5, "audio.loudness_lufs", "phải trong khoảng -40 đến -5"),
        (-9 <= a.true_peak_dbtp <= 0, "audio.true_peak_dbtp", "phải trong khoảng -9 đến 0"),
        (0 <= a.highpass_hz <= 400, "audio.highpass_hz", "phải trong khoảng 0–400"),
        (0 <= a.max_tempo_change <= 0.08, "audio.max_tempo_change", "phải trong khoảng 0–0.08"),
        (0 <= a.max_pause_ms <= 5000, "audio.max_pause_ms", "phải trong khoảng 0–5000"),
        (e.default in ENGINES, "engines.default", "phải là " + ", ".join(ENGINES)),
        (e.espeak_voice in ESPEAK_VOICES, "engines.espeak_voice",
         "phải là " + ", ".join(ESPEAK_VOICES)),
        (80 <= e.espeak_rate_wpm <= 400, "engines.espeak_rate_wpm", "phải trong khoảng 80–400"),
        (p.player in PLAYERS, "playback.player", "phải là " + ", ".join(PLAYERS)),
        (p.on_missing in ("build", "last_good"), "playback.on_missing",
         "phải là \"build\" hoặc \"last_good\""),
        (p.lead_minutes >= 0, "playback.lead_minutes", "không được âm"),
        (p.grace_minutes >= 0, "playback.grace_minutes", "không được âm"),
        (s.normalize.thousand in ("nghìn", "ngàn"), "normalize.thousand",
         "phải là \"nghìn\" hoặc \"ngàn\""),
        (s.normalize.zero_tens in ("linh", "lẻ"), "normalize.zero_tens",
         "phải là \"linh\" hoặc \"lẻ\""),
    ]
    for ok, key, why in checks:
        if not ok:
            raise ConfigError(f"Giá trị của «{key}» không hợp lệ: {why}.")
    if s.web.base_url and not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", s.web.base_url):
        raise ConfigError(f"«web.base_url» = {s.web.base_url!r} không hợp lệ.",
                          "Viết đầy đủ, ví dụ \"https://bantin.example.vn\".")
    w = s.workers
    if w.broker_url and not w.broker_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("«workers.broker_url» phải là địa chỉ Redis, ví dụ "
                          "\"redis://127.0.0.1:6379/0\".")
    if not (0 <= w.max_retries <= 20 and w.heartbeat_timeout_s >= 1 and w.time_limit_s >= 10):
        raise ConfigError("Giá trị trong «[workers]» không hợp lệ: max_retries 0–20, "
                          "heartbeat_timeout_s ≥ 1, time_limit_s ≥ 10.")
    if p.player == "command" and "{file}" not in p.command:
        raise ConfigError("«playback.command» phải chứa {file} để biết tệp cần phát.")
    bad = [n for n in e.auto if n not in ENGINES or n == "auto"]
    if bad or not e.auto:
        raise ConfigError(
            f"«engines.auto» = {list(e.auto)!r} không hợp lệ.",
            "Liệt kê các engine theo thứ tự muốn thử, ví dụ [\"edge\", \"gtts\", \"espeak\"].",
        )
    for st in s.stations:
        if len(st.voices) > 2:
            raise ConfigError(f"Đài «{st.id}»: «voices» có tối đa hai giọng (hai phát thanh viên).")
        if st.engine and st.engine not in ENGINES:
            raise ConfigError(
                f"Đài «{st.id}»: «engine» = {st.engine!r} không hợp lệ.",
                "Chọn một trong: " + ", ".join(ENGINES) + ".",
            )


def with_home(settings: Settings, home: Path) -> Settings:
    return replace(settings, home=home)
