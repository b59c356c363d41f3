"""What every route needs: the app's state, the signed-in user, role checks and CSRF."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ..config import Settings
from ..db import ApiToken, User, utcnow
from .security import LoginThrottle, session_user, token_hash

# What each role may do. Admins may do everything.
PERMS: dict[str, frozenset[str]] = {
    "admin": frozenset({"users", "news", "build", "listen", "log"}),
    "editor": frozenset({"news", "build", "listen", "log"}),
    "operator": frozenset({"listen", "log"}),
}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_ROW_ID = 2**63 - 1  # larger ids cannot exist in the database (SQLite/PostgreSQL bigint)
# A database row id in a path: anything else (too large, not a number) is a 404, not a 500
# (app.py turns path validation errors into "not found").
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@dataclass
class WebState:
    settings: Settings
    Session: sessionmaker
    templates: Jinja2Templates
    throttle: LoginThrottle
    speakers: dict = field(default_factory=dict)  # one synth.Speaker per station, for estimates


@dataclass(frozen=True)
class CurrentUser:
    id: int
    name: str
    role: str
    via: str  # "session" or "token"

    def can(self, perm: str) -> bool:
        return perm in PERMS.get(self.role, frozenset())


DEFAULT_BASE_URL = "http://localhost:8000"


def public_base_url(settings: Settings) -> str:
    """The address links in feeds use: `[web] base_url`, never the request's Host header
    (which any client can set). Without it, localhost: feeds then work only on this machine."""
    return (settings.web.base_url or DEFAULT_BASE_URL).rstrip("/")


def get_state(request: Request) -> WebState:
    return request.app.state.web


StateDep = Annotated[WebState, Depends(get_state)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """A form field `csrf` or a header `X-CSRF-Token` must match the session's token."""
    expected = request.session.get("csrf") or ""
    sent = request.headers.get("x-csrf-token", "")
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf")
            sent = value if isinstance(value, str) else ""
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(
            403, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang."
        )


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def load_user(request: Request) -> CurrentUser | None:
    """The user behind a bearer token or the session cookie, if any."""
    state = get_state(request)
    token = _bearer(request)
    if token is not None:
        with state.Session.begin() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
            user = s.get(User, row.user_id) if row else None
            if row is None or user is None:
                raise HTTPException(401, "Mã truy cập (token) không hợp lệ.")
            row.last_used_at = utcnow()
            return CurrentUser(user.id, user.name, user.role, "token")
    sid = request.session.get("sid")
    if not sid or not isinstance(sid, str):
        return None
    with state.Session.begin() as s:  # the row must exist: logout deleted it
        user = session_user(s, sid)
        if user is None:
            request.session.clear()
            return None
        return CurrentUser(user.id, user.name, user.role, "session")


def optional_user(request: Request) -> CurrentUser | None:
    if not hasattr(request.state, "user"):
        request.state.user = load_user(request)
    return request.state.user


def require(perm: str | None = None):
    """Dependency: a signed-in user holding `perm`; writes by session also need the CSRF token."""

    async def dep(request: Request) -> CurrentUser:
        user = optional_user(request)
        if user is None:
            raise HTTPException(401, "Bạn cần đăng nhập.")
        if perm and not user.can(perm):
            raise HTTPException(403, "Bạn không có quyền làm việc này.")
        if request.method not in SAFE_METHODS and user.via == "session":
            await check_csrf(request)
        return user

    return dep


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append([kind, message])


def render(request: Request, name: str, ctx: dict[str, Any] | None = None,
           status_code: int = 200):
    state = get_state(request)
    user = optional_user(request)
    full = {
        "request": request,
        "user": user,
        "csrf": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "settings": state.settings,
        **(ctx or {}),
    }
    return state.templates.TemplateResponse(request, name, full, status_code=status_code)


# Route signatures use these aliases: `user: Editor` means "signed in, may edit news".
AnyUser = Annotated[CurrentUser, Depends(require())]
Listener = Annotated[CurrentUser, Depends(require("listen"))]
Editor = Annotated[CurrentUser, Depends(require("news"))]
Builder = Annotated[CurrentUser, Depends(require("build"))]
Logger = Annotated[CurrentUser, Depends(require("log"))]
Admin = Annotated[CurrentUser, Depends(require("users"))]
