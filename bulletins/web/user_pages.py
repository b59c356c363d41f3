"""Admin pages: users (add, unlock, new password, remove) and the configured stations."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import delete, select
from starlette.concurrency import run_in_threadpool

from ..db import ApiToken, KnownAddress, User, WebSession
from .deps import Admin, RowId, StateDep, flash, render
from .security import ROLES, AuthError, add_user, hash_password, revoke_credentials, unlock

router = APIRouter(include_in_schema=False)


def _users(state) -> list[User]:
    with state.Session() as s:
        return list(s.scalars(select(User).order_by(User.name)))


def _tokens(state) -> dict[int, list[ApiToken]]:
    out: dict[int, list[ApiToken]] = {}
    with state.Session() as s:
        for t in s.scalars(select(ApiToken).order_by(ApiToken.id)):
            out.setdefault(t.user_id, []).append(t)
    return out


def _page(request: Request, state, values: dict | None = None, errors: dict | None = None,
          status_code: int = 200):
    return render(request, "users.html", {
        "users": _users(state), "roles": ROLES, "tokens": _tokens(state),
        "values": values or {"name": "", "role": "editor"}, "errors": errors or {},
    }, status_code=status_code)


@router.get("/users")
def users(request: Request, state: StateDep, _u: Admin):
    return _page(request, state)


@router.post("/users")
async def users_add(request: Request, state: StateDep,
                    _u: Admin):
    form = await request.form()
    name, role = str(form.get("name") or ""), str(form.get("role") or "")
    password = str(form.get("password") or "")
    values = {"name": name, "role": role}
    try:
        await run_in_threadpool(add_user, state.settings, name, role, password)
    except AuthError as exc:
        field = "password" if "Mật khẩu" in exc.message else (
            "role" if "Vai trò" in exc.message else "name")
        text = exc.message + (f" {exc.hint}" if exc.hint else "")
        return _page(request, state, values, {field: text}, status_code=400)
    flash(request, f"Đã tạo người dùng «{name.strip()}».")
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}")
async def users_change(user_id: RowId, request: Request, state: StateDep,
                       me: Admin):
    form = await request.form()
    action = form.get("action")
    with state.Session.begin() as s:
        user = s.get(User, user_id)
        if user is None:
            raise HTTPException(404, "Không có người dùng này.")
        name = user.name
        if action == "unlock":
            unlock(s, user)
            message = f"Đã mở khóa «{name}»."
        elif action == "password":
            password = str(form.get("password") or "")
            if len(password) < 8:
                flash(request, "Mật khẩu mới phải có ít nhất 8 ký tự.", "error")
                return RedirectResponse("/users", status_code=303)
            user.password_hash = hash_password(password)
            unlock(s, user)
            revoke_credentials(s, user.id)  # old sessions and tokens stop working
            message = (f"Đã đặt mật khẩu mới cho «{name}»; các phiên đăng nhập và mã truy cập "
                       "cũ đã bị thu hồi.")
        elif action == "role" and form.get("role") in ROLES:
            if user.id == me.id:
                flash(request, "Không thể tự đổi vai trò của chính mình.", "error")
                return RedirectResponse("/users", status_code=303)
            user.role = str(form.get("role"))
            revoke_credentials(s, user.id)
            message = (f"Đã đổi vai trò của «{name}»; các phiên đăng nhập và mã truy cập cũ "
                       "đã bị thu hồi.")
        elif action == "revoke-token":
            raw = str(form.get("token_id") or "")
            n = s.execute(delete(ApiToken).where(
                ApiToken.user_id == user.id,
                ApiToken.id == (int(raw) if raw.isdigit() and len(raw) < 10 else -1))).rowcount
            if not n:
                raise HTTPException(404, "Không có mã truy cập này.")
            message = f"Đã thu hồi mã truy cập số {raw} của «{name}»."
        elif action == "revoke-tokens":
            n = s.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount
            message = f"Đã thu hồi {n} mã truy cập của «{name}»."
        elif action == "delete":
            if user.id == me.id:
                flash(request, "Không thể tự xóa tài khoản đang dùng.", "error")
                return RedirectResponse("/users", status_code=303)
            revoke_credentials(s, user.id)
            s.execute(delete(KnownAddress).where(KnownAddress.user_id == user.id))
            s.execute(delete(WebSession).where(WebSession.user_id == user.id))
            unlock(s, user)
            s.delete(user)
            message = f"Đã xóa người dùng «{name}»."
        else:
            raise HTTPException(400, "Thao tác không hợp lệ.")
    flash(request, message)
    return RedirectResponse("/users", status_code=303)


@router.get("/stations")
def stations(request: Request, state: StateDep, _u: Admin):
    return render(request, "stations.html", {"stations": state.settings.stations})
