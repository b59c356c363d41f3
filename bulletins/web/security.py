"""Passwords, API tokens, the session secret and login throttling."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from ..config import Settings
from ..db import ApiToken, User, session_factory, utcnow
from ..errors import BulletinError

ROLES = ("admin", "editor", "operator")
ROLE_VI = {"admin": "quản trị", "editor": "biên tập viên", "operator": "kỹ thuật viên đài"}
SECRET_FILE = ".web_secret"
MAX_FAILED = 5  # failed logins before the account is locked for a while
LOCK_MINUTES = 5
_hasher = PasswordHasher()


class AuthError(BulletinError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def secret_key(settings: Settings) -> str:
    """The configured key, else one generated once and kept in the home folder."""
    if settings.web.secret_key:
        return settings.web.secret_key
    path = Path(settings.home) / SECRET_FILE
    try:
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key, encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise AuthError("Tên đăng nhập không hợp lệ.", "Dùng 1–100 ký tự, không có dấu cách.")
    return name


def add_user(settings: Settings, name: str, role: str, password: str) -> User:
    name = check_name(name)
    if role not in ROLES:
        raise AuthError(f"Vai trò «{role}» không hợp lệ.", "Chọn admin, editor hoặc operator.")
    if len(password) < 8:
        raise AuthError("Mật khẩu phải có ít nhất 8 ký tự.")
    Session = session_factory(settings.db_url)
    with Session.begin() as s:
        if s.scalar(select(User).where(User.name == name)) is not None:
            raise AuthError(f"Người dùng «{name}» đã có.")
        user = User(name=name, role=role, password_hash=hash_password(password))
        s.add(user)
        s.flush()
        return user


def create_token(settings: Settings, name: str, label: str = "") -> str:
    """Make a bearer token for a user; only its sha256 is stored, the token is returned once."""
    Session = session_factory(settings.db_url)
    token = "bt_" + secrets.token_urlsafe(32)
    with Session.begin() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise AuthError(f"Không có người dùng «{name}».", "Tạo bằng: bulletins user add TÊN.")
        s.add(ApiToken(user_id=user.id, token_hash=token_hash(token), label=label[:100]))
    return token


class LoginThrottle:
    """Per-address failure counter kept in memory (per app), on top of the per-account lock."""

    def __init__(self, limit: int = 20, window_s: float = 300):
        self.limit, self.window_s = limit, window_s
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, addr: str) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._fails.get(addr, []) if now - t < self.window_s]
            self._fails[addr] = recent
            return len(recent) >= self.limit

    def fail(self, addr: str) -> None:
        with self._lock:
            self._fails.setdefault(addr, []).append(time.monotonic())

    def reset(self, addr: str) -> None:
        with self._lock:
            self._fails.pop(addr, None)


def authenticate(settings: Settings, name: str, password: str) -> User:
    """Check a name and password; lock the account after MAX_FAILED failures in a row."""
    Session = session_factory(settings.db_url)
    error: AuthError | None = None
    with Session.begin() as s:  # commits the failure count even when the login fails
        user = s.scalar(select(User).where(User.name == name.strip()))
        now = utcnow()
        if user is None:
            hash_password(password)  # same cost whether or not the user exists
            error = AuthError("Sai tên đăng nhập hoặc mật khẩu.")
        elif user.locked_until and user.locked_until > now:
            left = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            error = AuthError(
                "Tài khoản tạm khóa vì nhập sai mật khẩu nhiều lần.",
                f"Thử lại sau khoảng {left} phút.",
            )
        elif not verify_password(user.password_hash, password):
            user.failed_logins += 1
            error = AuthError("Sai tên đăng nhập hoặc mật khẩu.")
            if user.failed_logins >= MAX_FAILED:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
                error = AuthError(
                    "Tài khoản tạm khóa vì nhập sai mật khẩu nhiều lần.",
                    f"Thử lại sau {LOCK_MINUTES} phút.",
                )
        else:
            user.failed_logins = 0
            user.locked_until = None
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            s.flush()
            s.expunge(user)
    if error is not None:
        raise error
    return user
