"""The station machine's HTTP client: stdlib urllib, outbound only, bearer token on every call.

Downloads resume: bytes already in `<file>.part` are kept and the rest asked for with
`Range: bytes=N-`; the finished file must have the manifest's size and sha256 before it is
renamed into place, so a cut or corrupted transfer is never a playable file.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

from ..schedule.alerts import sha256_file as file_sha256  # uncached: a fresh read

CHUNK = 64 * 1024


class ServerUnreachable(Exception):
    """The server could not be reached or answered badly (the station works offline)."""


class TokenRefused(ServerUnreachable):
    """401: the token is wrong or was revoked."""


class BadDownload(Exception):
    """The downloaded file does not match its manifest (size or sha256)."""


class Client:
    def __init__(self, server: str, token: str, timeout_s: float = 15.0):
        self.server = server.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s

    def _open(self, path: str, data: bytes | None = None, headers: dict | None = None,
              timeout_s: float | None = None):  # noqa: ANN202 - an http.client response
        req = urllib.request.Request(self.server + path, data=data, headers={
            "Authorization": f"Bearer {self.token}", **(headers or {})})
        try:
            return urllib.request.urlopen(req, timeout=timeout_s or self.timeout_s)
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                raise TokenRefused("Máy chủ từ chối mã truy cập của đài (sai hoặc đã thu hồi).") \
                    from exc
            raise ServerUnreachable(f"Máy chủ trả lỗi {exc.code} cho {path}.") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ServerUnreachable(f"Không kết nối được máy chủ {self.server}: {exc}") from exc

    def get_json(self, path: str, timeout_s: float | None = None) -> dict:
        with self._open(path, timeout_s=timeout_s) as resp:
            try:
                return json.loads(resp.read())
            except (ValueError, OSError) as exc:
                raise ServerUnreachable(f"Máy chủ trả lời không đọc được ({path}).") from exc

    def post_json(self, path: str, body: dict) -> dict:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        with self._open(path, data, {"Content-Type": "application/json"}) as resp:
            try:
                return json.loads(resp.read())
            except (ValueError, OSError) as exc:
                raise ServerUnreachable(f"Máy chủ trả lời không đọc được ({path}).") from exc

    def download(self, path: str, dest: Path, sha256: str, size: int) -> None:
        """Fetch `path` into `dest` (resuming a .part file), verified, renamed atomically."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        have = part.stat().st_size if part.exists() else 0
        if have >= size > 0:  # a whole (or too long) part that failed its check earlier
            part.unlink()
            have = 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            with self._open(path, headers=headers) as resp:
                mode = "ab" if have and resp.status == 206 else "wb"
                with open(part, mode) as f:
                    while chunk := resp.read(CHUNK):
                        f.write(chunk)
        except OSError as exc:  # the connection dropped mid-body: keep the part, resume later
            if isinstance(exc, ServerUnreachable):
                raise
            raise ServerUnreachable(f"Tải {path} bị ngắt: {exc}") from exc
        got = part.stat().st_size
        if got < size:
            raise ServerUnreachable(f"Tải {path} chưa xong ({got}/{size} byte); sẽ tải tiếp.")
        if got != size or file_sha256(part) != sha256:
            part.unlink(missing_ok=True)
            raise BadDownload(f"Tệp {path} tải về không khớp mã sha256 của máy chủ; đã bỏ.")
        with open(part, "rb") as f:
            os.fsync(f.fileno())
        os.replace(part, dest)
