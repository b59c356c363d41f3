"""Piper voices: the shipped catalogue, what is installed in `<home>/voices/`, and installing.

A voice is installed as a folder `<home>/voices/NAME/` holding `NAME.onnx`, `NAME.onnx.json`
and `install.json` (where it came from, its hashes). Files are fetched or copied into
`<home>/voices/.partial/NAME/`, verified (size and sha256), and only then is that folder
renamed into place: a rename is atomic, so a voice is either wholly installed or absent.
A download cut half-way keeps its `.part` file and resumes with an HTTP Range request; a
file that fails verification is deleted, never resumed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import re
import shutil
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files
from pathlib import Path

from ..errors import BulletinError

Progress = Callable[[str, int, int | None], None]  # (file name, bytes so far, total or None)
CHUNK = 256 * 1024
RETRIES = 5  # connection cuts survived per file, each resuming where it stopped
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class VoiceError(BulletinError):
    """A voice cannot be found, fetched or verified (message in Vietnamese)."""


@dataclass(frozen=True)
class FileSpec:
    name: str  # file name inside the voice folder, e.g. "vi_VN-vais1000-medium.onnx"
    size: int | None  # None: not checked (a --sha256 override for another revision)
    sha256: str  # "" when unknown: the file is then accepted only with --sha256 (model)


@dataclass(frozen=True)
class CatalogVoice:
    name: str
    path: str  # inside the repository, without extension
    revision: str
    licence: str
    quality: str
    model: FileSpec
    config: FileSpec

    @property
    def size(self) -> int:
        return (self.model.size or 0) + (self.config.size or 0)


@dataclass(frozen=True)
class InstalledVoice:
    name: str
    model: Path
    info: dict

    @property
    def size(self) -> int:
        return self.model.stat().st_size + Path(f"{self.model}.json").stat().st_size


@cache
def catalog() -> dict[str, CatalogVoice]:
    raw = tomllib.loads(
        files("bulletins.synth").joinpath("voices_catalog.toml").read_text(encoding="utf-8"))
    out = {}
    for name, v in raw["voices"].items():
        base = v["path"].rsplit("/", 1)[-1]
        out[name] = CatalogVoice(
            name=name, path=v["path"], revision=v.get("revision", raw["revision"]),
            licence=v["licence"], quality=v["quality"],
            model=FileSpec(f"{base}.onnx", v["model_size"], v["model_sha256"]),
            config=FileSpec(f"{base}.onnx.json", v["config_size"], v["config_sha256"]),
        )
    return out


def voices_dir(home: Path) -> Path:
    return home / "voices"


def installed(home: Path) -> list[InstalledVoice]:
    """Voices usable now: `voices/NAME/NAME.onnx` (installed) or a loose `voices/X.onnx`,
    each with its `.onnx.json` beside it."""
    root = voices_dir(home)
    out: list[InstalledVoice] = []
    if not root.is_dir():
        return out
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            model = entry / f"{entry.name}.onnx"
            info: dict = {}
            with contextlib.suppress(OSError, ValueError):
                info = json.loads((entry / "install.json").read_text(encoding="utf-8"))
        elif entry.suffix == ".onnx":
            model, info = entry, {}
        else:
            continue
        if model.is_file() and Path(f"{model}.json").is_file():
            out.append(InstalledVoice(model.name[:-5], model, info))
    return out


def resolve_model(home: Path, voice: str) -> Path:
    """A catalogue/installed name -> its installed .onnx; anything else is a path (relative
    paths are from the home folder)."""
    raw = voice.strip()
    if _NAME_RE.match(raw) and not raw.endswith(".onnx"):
        for v in installed(home):
            if v.name == raw:
                return v.model
        if raw in catalog():
            raise VoiceError(
                f"Giọng đọc «{raw}» chưa được cài.",
                f"Cài bằng lệnh: bulletins voice install {raw}  (hoặc --from THƯ_MỤC nếu máy "
                "không có Internet).",
            )
    path = Path(raw).expanduser()
    return path if path.is_absolute() else home / path


def is_piper_voice(home: Path, voice: str) -> bool:
    """Whether a station's `voice` names a Piper voice (path, installed or catalogue name)."""
    v = voice.strip()
    return v.endswith(".onnx") or v in catalog() or any(i.name == v for i in installed(home))


# -- installing -------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            h.update(block)
    return h.hexdigest()


def _specs(name: str, sha256: str | None) -> tuple[CatalogVoice | None, FileSpec, FileSpec]:
    entry = catalog().get(name)
    if sha256 is not None:
        sha256 = sha256.strip().lower()
        if not _HEX64.match(sha256):
            raise VoiceError(f"«--sha256 {sha256}» không phải mã SHA-256 (64 ký tự 0-9, a-f).")
    if entry is None:
        if not _NAME_RE.match(name):
            raise VoiceError(f"Tên giọng «{name}» không hợp lệ.")
        if sha256 is None:
            known = ", ".join(catalog())
            raise VoiceError(
                f"Giọng «{name}» không có trong danh mục.",
                f"Các giọng có sẵn: {known}. Giọng khác cần --from và --sha256.",
            )
        return None, FileSpec(f"{name}.onnx", None, sha256), FileSpec(f"{name}.onnx.json",
                                                                    None, "")
    if sha256 is not None and sha256 != entry.model.sha256:
        # Another revision of the same voice: its own hash, sizes not known in advance.
        return entry, FileSpec(entry.model.name, None, sha256), FileSpec(entry.config.name,
                                                                         None, "")
    if not entry.model.sha256:
        raise VoiceError(
            f"Danh mục chưa có mã SHA-256 của giọng «{name}» (chỉ có kích thước "
            f"{_num(entry.model.size or 0)} byte và phiên bản {entry.revision[:10]}).",
            "Lấy mã SHA-256 của tệp .onnx từ nguồn tin cậy và cài lại với --sha256 MÃ.",
        )
    return entry, entry.model, entry.config


def install(home: Path, name: str, *, source: str | None = None, sha256: str | None = None,
            base_url: str = "", progress: Progress | None = None,
            sleep: Callable[[float], None] = time.sleep) -> Path:
    """Fetch (catalogue or `source`), verify and install voice `name`; return its .onnx."""
    from filelock import FileLock, Timeout

    entry, model_spec, config_spec = _specs(name, sha256)
    root = voices_dir(home)
    (root / ".partial").mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(root / ".partial" / f"{name}.lock"), timeout=1):
            return _install(home, name, entry, model_spec, config_spec, source, base_url,
                            progress, sleep)
    except Timeout as exc:
        raise VoiceError(f"Giọng «{name}» đang được cài ở một lệnh khác.",
                         "Chờ lệnh đó xong rồi thử lại.") from exc


def _install(home: Path, name: str, entry: CatalogVoice | None, model_spec: FileSpec,
             config_spec: FileSpec, source: str | None, base_url: str,
             progress: Progress | None, sleep: Callable[[float], None]) -> Path:
    root = voices_dir(home)
    partial = root / ".partial" / name
    partial.mkdir(parents=True, exist_ok=True)
    sources = _sources(entry, name, model_spec, config_spec, source, base_url)
    for spec, src in zip((config_spec, model_spec), sources, strict=True):
        part = partial / f"{spec.name}.part"
        _fetch(src, part, spec, progress, sleep)
        _verify(part, spec, name)
        if spec is config_spec:  # the small file first: a wrong voice fails before 60 MB
            _check_config(part, name)
    for spec in (model_spec, config_spec):
        (partial / f"{spec.name}.part").replace(partial / spec.name)
    if model_spec.name != f"{name}.onnx":  # e.g. --from a file with another name
        (partial / model_spec.name).replace(partial / f"{name}.onnx")
        (partial / config_spec.name).replace(partial / f"{name}.onnx.json")
    info = {
        "name": name, "installed_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "source": _display(source) if source else sources[1],
        "revision": entry.revision if entry and not source else "",
        "sha256": sha256_of(partial / f"{name}.onnx"),
        "config_sha256": sha256_of(partial / f"{name}.onnx.json"),
        "licence": entry.licence if entry else "", "quality": entry.quality if entry else "",
    }
    (partial / "install.json").write_text(json.dumps(info, ensure_ascii=False, indent=1),
                                          encoding="utf-8")
    final = root / name
    if final.exists():  # a reinstall: set the old one aside, then swap in one rename
        old = root / ".partial" / f"{name}.old"
        shutil.rmtree(old, ignore_errors=True)
        final.replace(old)
        partial.replace(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        partial.replace(final)
    return final / f"{name}.onnx"


def _sources(entry: CatalogVoice | None, name: str, model: FileSpec, config: FileSpec,
             source: str | None, base_url: str) -> tuple[str, str]:
    """(config source, model source): URLs or local paths."""
    if source is None:
        if entry is None:
            raise VoiceError(f"Giọng «{name}» không có trong danh mục: cần --from.")
        base = f"{base_url.rstrip('/')}/{entry.revision}/{entry.path}"
        return f"{base}.onnx.json", f"{base}.onnx"
    if source.startswith(("http://", "https://")):
        if source.endswith(".onnx"):
            return f"{source}.json", source
        base = source.rstrip("/")
        return f"{base}/{config.name}", f"{base}/{model.name}"
    path = Path(source).expanduser()
    if path.is_dir():
        found = _find_in(path, model.name) or _find_in(path, f"{name}.onnx")
        if found is None:
            raise VoiceError(
                f"Không thấy tệp {model.name} trong thư mục {path}.",
                "Chép cả tệp .onnx và .onnx.json của giọng vào thư mục đó (ví dụ USB).",
            )
        return f"{found}.json", str(found)
    if path.is_file():
        return f"{path}.json", str(path)
    raise VoiceError(f"Không tìm thấy «{source}».", "Kiểm tra đường dẫn hoặc địa chỉ --from.")


def _display(source: str) -> str:
    if source.startswith(("http://", "https://")):
        return source
    return str(Path(source).expanduser().resolve())


def _find_in(folder: Path, filename: str) -> Path | None:
    direct = folder / filename
    if direct.is_file():
        return direct
    return next((p for p in sorted(folder.rglob(filename)) if p.is_file()), None)


def _fetch(src: str, part: Path, spec: FileSpec, progress: Progress | None,
           sleep: Callable[[float], None]) -> None:
    if spec.size is not None and part.exists() and part.stat().st_size == spec.size:
        return  # finished earlier (e.g. the model done, its config cut): verify only
    if not src.startswith(("http://", "https://")):
        _copy(Path(src), part, spec, progress)
        return
    last: Exception | None = None
    stalls = 0
    for attempt in range(RETRIES + 1):
        before = part.stat().st_size if part.exists() else 0
        try:
            _download(src, part, spec, progress)
            return
        except VoiceError:
            raise
        except OSError as exc:  # requests' errors are OSErrors; so are disk errors
            if isinstance(exc, PermissionError | FileNotFoundError) or exc.errno == errno.ENOSPC:
                raise VoiceError(f"Không ghi được tệp tải về: {exc}",
                                 "Kiểm tra chỗ trống trên đĩa và quyền ghi thư mục voices/.") \
                    from exc
            last = exc
        # Retry a link that drops mid-file; give up soon on one that gives nothing.
        grew = part.exists() and part.stat().st_size > before
        stalls = 0 if grew else stalls + 1
        if stalls >= 2 or attempt == RETRIES:
            break
        sleep(min(2.0 ** attempt, 10.0))
    kept = part.exists() and part.stat().st_size > 0
    raise VoiceError(
        f"Không tải được «{spec.name}»" + ("; phần đã tải được giữ lại." if kept else "."),
        ("Chạy lại cùng lệnh để tải tiếp từ chỗ dừng" if kept else "Kiểm tra kết nối mạng")
        + ", hoặc dùng --from với tệp trên USB hay máy chủ nội bộ.",
        detail=repr(last),
    )


def _download(url: str, part: Path, spec: FileSpec, progress: Progress | None) -> None:
    import requests

    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        rsp = requests.get(url, headers=headers, stream=True,
                           timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
    except requests.RequestException as exc:
        raise ConnectionError(str(exc)) from exc
    with rsp:
        if rsp.status_code == 416 and spec.size is not None and have >= spec.size:
            return  # nothing left to fetch; verification decides
        if rsp.status_code not in (200, 206):
            raise VoiceError(
                f"Máy chủ trả lỗi HTTP {rsp.status_code} khi tải «{spec.name}».",
                "Kiểm tra engines.voices_url hoặc địa chỉ --from.", detail=url)
        mode = "ab" if rsp.status_code == 206 and have else "wb"
        done = have if mode == "ab" else 0
        total = spec.size
        if total is None and rsp.headers.get("Content-Length", "").isdigit():
            total = done + int(rsp.headers["Content-Length"])
        try:
            with part.open(mode) as fh:
                for block in rsp.iter_content(CHUNK):
                    fh.write(block)
                    done += len(block)
                    if progress:
                        progress(spec.name, done, total)
                    if spec.size is not None and done > spec.size:
                        break  # more than the catalogue says: verification will refuse
        except requests.RequestException as exc:
            raise ConnectionError(str(exc)) from exc
    expected = rsp.headers.get("Content-Length", "")
    if expected.isdigit() and done - (have if mode == "ab" else 0) < int(expected):
        raise ConnectionError(f"short read: {done} bytes")


def _copy(src: Path, part: Path, spec: FileSpec, progress: Progress | None) -> None:
    if not src.is_file():
        raise VoiceError(f"Không tìm thấy tệp {src}.",
                         "Mỗi tệp .onnx cần tệp .onnx.json đi kèm, chép cả hai.")
    total = src.stat().st_size
    done = 0
    with src.open("rb") as fin, part.open("wb") as fout:
        for block in iter(lambda: fin.read(CHUNK), b""):
            fout.write(block)
            done += len(block)
            if progress:
                progress(spec.name, done, total)


def _verify(part: Path, spec: FileSpec, name: str) -> None:
    size = part.stat().st_size
    problem = ""
    if spec.size is not None and size != spec.size:
        problem = f"kích thước {_num(size)} byte, danh mục ghi {_num(spec.size)} byte"
    elif spec.sha256 and (got := sha256_of(part)) != spec.sha256:
        problem = f"mã SHA-256 là {got[:16]}…, cần {spec.sha256[:16]}…"
    if problem:
        part.unlink(missing_ok=True)  # a wrong file is never resumed
        raise VoiceError(
            f"Tệp «{spec.name}» của giọng «{name}» không đúng ({problem}). Đã hủy, không cài gì.",
            "Tệp có thể bị hỏng khi tải hoặc chép. Tải lại, hoặc chép lại từ nguồn khác.",
        )


def _num(n: int) -> str:
    """63201294 -> "63.201.294", as Vietnamese writes thousands."""
    return f"{n:,}".replace(",", ".")


def _check_config(path: Path, name: str) -> None:
    """A config with no hash to check must at least be a Piper voice config."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        ok = isinstance(data, dict) and "phoneme_id_map" in data and "audio" in data
    except (OSError, ValueError):
        ok = False
    if not ok:
        path.unlink(missing_ok=True)
        raise VoiceError(
            f"Tệp cấu hình .onnx.json của giọng «{name}» không hợp lệ. Đã hủy, không cài gì.",
            "Chép lại đúng tệp .onnx.json đi kèm tệp .onnx của giọng.",
        )
