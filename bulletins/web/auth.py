"""Log in and out. The login form has its own CSRF token; failures are throttled."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from .deps import AnyUser, StateDep, check_csrf, optional_user, render
from .security import AuthError, authenticate, end_session, open_session

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None) -> str:
    # Only local paths: "/news", never "//evil.example" or "https://…".
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


def home_for(role: str) -> str:
    return "/bulletins" if role == "operator" else "/news"


@router.get("/")
def index(request: Request) -> RedirectResponse:
    user = optional_user(request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_for(user.role), status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", {"next": _safe_next(next), "name": "", "error": None})


@router.post("/login")
async def login(request: Request, state: StateDep):
    await check_csrf(request)
    form = await request.form()
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    next = str(form.get("next") or "/")
    addr = request.client.host if request.client else "?"
    ctx = {"next": _safe_next(next), "name": name}
    if state.throttle.blocked(addr):
        return render(request, "login.html", {
            **ctx, "error": "Đăng nhập sai quá nhiều lần từ máy này. Hãy chờ vài phút."},
            status_code=429)
    try:
        user = await run_in_threadpool(authenticate, state.settings, name, password, addr)
    except AuthError as exc:
        state.throttle.fail(addr)
        error = exc.message + (f" {exc.hint}" if exc.hint else "")
        return render(request, "login.html", {**ctx, "error": error}, status_code=401)
    state.throttle.reset(addr)
    sid = await run_in_threadpool(open_session, state.Session, user.id, addr)
    request.session.clear()  # a fresh session (and CSRF token) after login
    request.session["sid"] = sid  # a random id only: the cookie holds nothing of the password
    dest = ctx["next"] if ctx["next"] != "/" else home_for(user.role)
    return RedirectResponse(dest, status_code=303)


@router.post("/logout")
async def logout(request: Request, state: StateDep, _user: AnyUser):
    sid = request.session.get("sid")
    if isinstance(sid, str):
        await run_in_threadpool(end_session, state.Session, sid)  # a replayed cookie is refused
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
