"""`create_app(settings)`: middleware, error pages, routers. No module-level state."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..config import Settings
from ..db import session_factory
from ..errors import BulletinError, NotFoundError, QueueError, explain
from . import (
    api,
    auth,
    bulletin_pages,
    feeds,
    news_pages,
    preview_pages,
    source_pages,
    station_api,
    user_pages,
)
from .deps import WebState, render
from .filters import install_filters
from .security import SESSION_DAYS, LoginThrottle, secret_key

log = logging.getLogger("bulletins.web")
HERE = Path(__file__).parent
_API_PREFIXES = ("/api/", "/feeds/", "/audio/", "/healthz", "/openapi.json")


def is_api(request: Request) -> bool:
    return request.url.path.startswith(_API_PREFIXES)


def api_error(status: int, message: str, hint: str | None = None) -> JSONResponse:
    body: dict = {"ok": False, "error": message}
    if hint:
        body["hint"] = hint
    return JSONResponse(body, status_code=status)


class BodyLimit:
    """Refuse request bodies larger than `limit` bytes with 413 and a Vietnamese message."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        mb = self.limit / 1_000_000
        msg = f"Dữ liệu gửi lên quá lớn (giới hạn {mb:g} MB)."
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._reject(scope, receive, send, msg)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._reject(scope, receive, send, msg)

    @staticmethod
    async def _reject(scope: Scope, receive: Receive, send: Send, msg: str) -> None:
        path = scope.get("path", "")
        if path.startswith("/api/"):
            resp: Response = api_error(413, msg)
        else:
            resp = PlainTextResponse(msg + " Hãy quay lại và gửi nội dung ngắn hơn.", 413)
        await resp(scope, receive, send)


class _TooLarge(Exception):
    pass


def _security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; media-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        return response


def fault_response(request: Request, fault: BulletinError) -> Response:
    """A machine fault (database busy or corrupt, disk full): 503 and the one message an
    operator can act on, never a traceback."""
    log.error("%s on %s: %s", fault.message, request.url.path, fault.detail)
    if is_api(request):
        return api_error(503, fault.message, fault.hint)
    try:
        return render(request, "error.html", {
            "title": "Máy chủ đang gặp sự cố", "message": fault.message, "hint": fault.hint},
            status_code=503)
    except Exception:  # noqa: BLE001 - the page itself may need the broken database
        text = fault.message + (f" {fault.hint}" if fault.hint else "")
        return PlainTextResponse(text, status_code=503)


def conflict_status(exc: BulletinError) -> int:
    """409 when the request clashes with the slot's state (being built elsewhere, or
    already published and not confirmed), else 400."""
    from ..locks import BuildBusyError
    from ..pipeline import ReplaceRefused

    return 409 if isinstance(exc, BuildBusyError | ReplaceRefused) else 400


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "Lỗi."
        if is_api(request):
            detail = _STARLETTE_VI.get(detail, detail)  # "Not Found" etc. from the router
            resp = api_error(exc.status_code, detail)
            if exc.status_code == 401:
                resp.headers["WWW-Authenticate"] = "Bearer"
            return resp
        if exc.status_code == 401:
            nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={_quote(nxt)}", status_code=303)
        titles = {403: "Không có quyền", 404: "Không tìm thấy", 405: "Không được phép"}
        messages = {404: "Trang hoặc tệp này không có.", 405: "Thao tác này không được phép."}
        return render(request, "error.html", {
            "title": titles.get(exc.status_code, "Có lỗi"),
            "message": detail if exc.status_code not in messages or detail not in (
                "Not Found", "Method Not Allowed") else messages[exc.status_code],
        }, status_code=exc.status_code)

    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(StarletteHTTPException, http_error)

    @app.exception_handler(BulletinError)
    async def bulletin_error(request: Request, exc: BulletinError):
        if exc.detail:
            log.info("detail: %s", exc.detail)
        if isinstance(exc, NotFoundError):
            return await http_error(request, HTTPException(404, exc.message))
        fault = explain(exc)  # e.g. a QueueError raised from a locked database
        if fault is not None:
            return fault_response(request, fault)
        status = conflict_status(exc)
        if is_api(request):
            resp = api_error(status, exc.message, exc.hint)
            if isinstance(exc, QueueError):
                from .news_pages import field_of

                field = field_of(exc.message)
                if field:
                    body = json.loads(resp.body)
                    body["field"] = field
                    resp = JSONResponse(body, status_code=status)
            return resp
        return render(request, "error.html", {
            "title": "Có lỗi", "message": exc.message, "hint": exc.hint}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = list(exc.errors())
        if any(tuple(e.get("loc", ()))[:1] == ("path",) for e in errors):
            # /news/abc or an id past the database's range: there is no such page
            return await http_error(request, HTTPException(404, "Không tìm thấy."))
        msg, field = validation_message(errors)
        if is_api(request):
            resp = api_error(422, msg)
            if field:
                body = json.loads(resp.body)
                body["field"] = field
                resp = JSONResponse(body, status_code=422)
            return resp
        return render(request, "error.html", {"title": "Có lỗi", "message": msg},
                      status_code=422)

    async def unexpected(request: Request, exc: Exception):
        fault = explain(exc)
        if fault is not None:
            return fault_response(request, fault)
        log.exception("unexpected error on %s", request.url.path)
        msg = "Lỗi không mong muốn trên máy chủ. Hãy thử lại hoặc báo cho quản trị viên."
        if is_api(request):
            return api_error(500, msg)
        return PlainTextResponse(msg, status_code=500)

    # Where machine faults start, registered by type so they are answered here and not by
    # Starlette's last-resort handler (which re-raises even after answering).
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    for kind in (SQLAlchemyError, sqlite3.Error, OSError, Exception):
        app.add_exception_handler(kind, unexpected)


_STARLETTE_VI = {
    "Not Found": "Không tìm thấy.",
    "Method Not Allowed": "Phương thức HTTP này không được hỗ trợ ở địa chỉ này.",
    "Unauthorized": "Bạn cần đăng nhập.",
    "Forbidden": "Bạn không có quyền làm việc này.",
}
# API field names as an editor knows them
FIELD_VI = {
    "title": "tiêu đề", "body": "nội dung", "priority": "mức ưu tiên", "category": "chuyên mục",
    "stations": "đài", "valid_from": "phát từ ngày", "valid_until": "phát đến ngày",
    "status": "trạng thái", "station": "đài", "day": "ngày", "slot": "khung giờ",
    "outcome": "kết quả", "note": "ghi chú", "text": "văn bản", "word": "từ",
    "spoken": "cách đọc",
}


def _field_name(loc: list) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_TYPE_TAGS = {"str", "int", "float", "bool", "date", "datetime", "none", "list", "dict"}


def _is_type_tag(part: object) -> bool:
    """Union branches appear in pydantic's error location ("valid_from", "date")."""
    return isinstance(part, str) and (part in _TYPE_TAGS or "[" in part)


def _describe(kind: str, label: str, ctx: dict) -> str:
    if kind == "missing":
        return f"thiếu trường {label}"
    if kind == "extra_forbidden":
        return f"trường {label} không được phép"
    if kind == "literal_error":
        return f"{label} phải là một trong: {ctx.get('expected', '')}"
    if kind in ("string_too_long", "too_long"):
        return f"{label} quá dài (tối đa {ctx.get('max_length', '?')} ký tự)"
    if kind.startswith(("date", "datetime")):
        return f"{label} không phải ngày hợp lệ (viết YYYY-MM-DD)"
    if kind.startswith(("int", "float")):
        return f"{label} phải là số"
    if kind.startswith("string"):
        return f"{label} phải là chuỗi chữ"
    if kind.startswith("list"):
        return f"{label} phải là danh sách"
    return f"{label} không hợp lệ"


def validation_message(errors: list[dict]) -> tuple[str, str | None]:
    """Pydantic errors as one Vietnamese sentence naming each field, and the first field.
    Never a character position: a broken JSON body is said to be broken, not where."""
    parts: list[str] = []
    by_field: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for err in errors:
        kind = str(err.get("type", ""))
        loc = list(err.get("loc", ()))[1:]  # drop "body"/"query"
        if kind == "json_invalid":
            parts.append("nội dung gửi lên không phải JSON hợp lệ")
            continue
        union = next((i for i, p in enumerate(loc) if _is_type_tag(p)), None)
        if union is not None:
            loc = loc[:union]
        while loc and isinstance(loc[-1], int) and kind != "missing":
            loc.pop()  # a position inside a value is not a field
        name = _field_name(loc)
        if not name:
            parts.append("nội dung phải là một đối tượng JSON với các trường cần thiết"
                         if kind in ("model_attributes_type", "dict_type", "missing")
                         else "nội dung gửi lên không hợp lệ")
            continue
        top = str(loc[0])
        labels[name] = f"«{name}»" + (f" ({FIELD_VI[top]})" if top in FIELD_VI else "")
        by_field.setdefault(name, []).append(_describe(kind, labels[name], err.get("ctx") or {}))
    for name, said in by_field.items():
        # several union branches failed: one plain sentence for the field
        parts.append(said[0] if len(set(said)) == 1 else f"{labels[name]} không hợp lệ")
    text = "; ".join(dict.fromkeys(parts)) or "dữ liệu gửi lên không hợp lệ"
    return "Dữ liệu gửi lên không hợp lệ: " + text + ".", next(iter(by_field), None)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="/")


def create_app(settings: Settings) -> FastAPI:
    """The web app for one home folder."""
    app = FastAPI(
        title="Bản tin",
        version=__version__,
        description="API của Bản tin: hàng đợi tin, dựng bản tin, tệp đã phát hành, nhật ký phát."
        " Xác thực bằng phiên đăng nhập hoặc `Authorization: Bearer TOKEN`.",
        docs_url=None,
        redoc_url=None,
    )
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    install_filters(templates.env)
    app.state.web = WebState(
        settings=settings,
        Session=session_factory(settings.db_url),
        templates=templates,
        throttle=LoginThrottle(),
    )
    _security_headers(app)
    app.add_middleware(
        SessionMiddleware, secret_key=secret_key(settings), session_cookie="bantin_session",
        max_age=SESSION_DAYS * 24 * 3600, same_site="lax",
        https_only=settings.web.base_url.startswith("https://"),
    )
    limit = max(settings.web.max_upload_bytes, settings.web.max_body_chars * 4 + 64_000)
    app.add_middleware(BodyLimit, limit=limit)
    _error_handlers(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    # HEAD for monitors, kept out of the schema so operation ids stay unique.
    @app.head("/healthz", include_in_schema=False)
    @app.get("/healthz", tags=["hệ thống"])
    def healthz() -> JSONResponse:
        from sqlalchemy import text

        try:
            with app.state.web.Session() as s:
                s.execute(text("SELECT 1"))
            db_ok = True
        except Exception:
            db_ok = False
        body = {"ok": db_ok, "db": db_ok, "version": __version__}
        if settings.workers.broker_url:  # province: the broker and the workers too
            from ..province.status import health

            body.update(health(settings))
        return JSONResponse(body, status_code=200 if body["ok"] else 503)

    for module in (auth, source_pages, news_pages, preview_pages, bulletin_pages, user_pages,
                   feeds, api, station_api):
        app.include_router(module.router)
    from . import voice_pages  # "Giọng đọc": hear and choose voices

    app.include_router(voice_pages.router)
    from . import lexicon_pages  # the station lexicon page (normalize)

    app.include_router(lexicon_pages.router)
    from . import province_pages

    app.include_router(province_pages.router)
    return app


def app_from_env() -> FastAPI:
    """For `serve --workers N`: each uvicorn worker process builds its app from
    $BULLETINS_HOME (uvicorn needs an import string to start several processes)."""
    from ..config import load_settings

    return create_app(load_settings())
