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
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as OrmSession

from ..config import Settings
from ..db import (
    ApiToken,
    KnownAddress,
    LoginFailure,
    User,
    WebSession,
    session_factory,
    utcnow,
)
from ..errors import BulletinError

ROLES = ("admin", "editor", "operator")
ROLE_VI = {"admin": "quản trị", "editor": "biên tập viên", "operator": "kỹ thuật viên đài"}
SECRET_FILE = ".web_secret"
# Throttling is by account and address together, so a stranger's wrong passwords lock out
# only the stranger's machine: MAX_FAILED failures of one account from one address in
# LOCK_MINUTES block that pair. Only a spread attack (ACCOUNT_LIMIT failures from anywhere)
# locks the account, and even then not on addresses the user signed in from before; a
# correct login from such an address lifts the lock.
MAX_FAILED = 5
ACCOUNT_LIMIT = 20
LOCK_MINUTES = 15
SESSION_DAYS = 14  # a session ends after this, whatever the cookie says
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


def _lock_message(minutes: int) -> AuthError:
    return AuthError("Tài khoản tạm khóa trên máy này vì nhập sai mật khẩu nhiều lần.",
                     f"Thử lại sau khoảng {minutes} phút, hoặc nhờ quản trị viên mở khóa.")


def authenticate(settings: Settings, name: str, password: str, address: str = "?") -> User:
    """Check a name and password from `address`, throttled by account and address together
    (see MAX_FAILED). Failures are kept in the database, so every web worker agrees."""
    Session = session_factory(settings.db_url)
    name = name.strip()[:100]
    address = address[:64]
    error: AuthError | None = None
    with Session.begin() as s:  # commits the failure even when the login fails
        now = utcnow()
        since = now - timedelta(minutes=LOCK_MINUTES)
        s.execute(delete(LoginFailure).where(LoginFailure.at < since))
        pair = s.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.name == name, LoginFailure.address == address)) or 0
        user = s.scalar(select(User).where(User.name == name))
        known = user is not None and s.scalar(select(KnownAddress.id).where(
            KnownAddress.user_id == user.id, KnownAddress.address == address)) is not None
        if pair >= MAX_FAILED:
            first = s.scalar(select(func.min(LoginFailure.at)).where(
                LoginFailure.name == name, LoginFailure.address == address)) or now
            error = _lock_message(_minutes_left(first + timedelta(minutes=LOCK_MINUTES), now))
        elif user is None:
            hash_password(password)  # same cost whether or not the user exists
            s.add(LoginFailure(name=name, address=address, at=now))
            error = AuthError("Sai tên đăng nhập hoặc mật khẩu.")
        elif user.locked_until and user.locked_until > now and not known:
            error = _lock_message(_minutes_left(user.locked_until, now))
        elif not verify_password(user.password_hash, password):
            s.add(LoginFailure(name=name, address=address, at=now))
            user.failed_logins += 1
            error = AuthError("Sai tên đăng nhập hoặc mật khẩu.")
            if pair + 1 >= MAX_FAILED:
                error = _lock_message(LOCK_MINUTES)
            s.flush()
            total = s.scalar(select(func.count()).select_from(LoginFailure).where(
                LoginFailure.name == name)) or 0
            if total >= ACCOUNT_LIMIT:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        else:
            user.failed_logins = 0
            user.locked_until = None
            # a correct login lifts this account's throttle everywhere it came from a known
            # address; from a new address, only its own failures are forgiven
            cond = LoginFailure.name == name
            s.execute(delete(LoginFailure).where(
                cond if known else cond & (LoginFailure.address == address)))
            if known:
                s.execute(KnownAddress.__table__.update().where(
                    KnownAddress.user_id == user.id, KnownAddress.address == address
                ).values(last_ok_at=now))
            else:
                s.add(KnownAddress(user_id=user.id, address=address, last_ok_at=now))
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            s.flush()
            s.expunge(user)
    if error is not None:
        raise error
    return user


def _minutes_left(until, now) -> int:  # noqa: ANN001
    return max(1, int((until - now).total_seconds() // 60) + 1)


def unlock(s: OrmSession, user: User) -> None:
    """Forget an account's failures (admin's "Mở khóa")."""
    user.failed_logins, user.locked_until = 0, None
    s.execute(delete(LoginFailure).where(LoginFailure.name == user.name))


# --- server-side sessions ----------------------------------------------------------------
def open_session(Session, user_id: int, address: str) -> str:  # noqa: ANN001
    """A new session for the user; returns the random id the cookie carries."""
    sid = secrets.token_urlsafe(32)
    with Session.begin() as s:
        s.execute(delete(WebSession).where(
            WebSession.created_at < utcnow() - timedelta(days=SESSION_DAYS)))
        s.add(WebSession(id=token_hash(sid), user_id=user_id, address=address[:64]))
    return sid


def session_user(s: OrmSession, sid: str) -> User | None:
    row = s.get(WebSession, token_hash(sid))
    now = utcnow()
    if row is None or now - row.created_at > timedelta(days=SESSION_DAYS):
        return None
    if (now - row.last_seen_at).total_seconds() > 60:  # don't write on every request
        row.last_seen_at = now
    return s.get(User, row.user_id)


def end_session(Session, sid: str) -> None:  # noqa: ANN001
    with Session.begin() as s:
        s.execute(delete(WebSession).where(WebSession.id == token_hash(sid)))


def revoke_credentials(s: OrmSession, user_id: int) -> tuple[int, int]:
    """End every session and delete every API token of a user (password or role change)."""
    n_sessions = s.execute(delete(WebSession).where(WebSession.user_id == user_id)).rowcount
    n_tokens = s.execute(delete(ApiToken).where(ApiToken.user_id == user_id)).rowcount
    return n_sessions or 0, n_tokens or 0


# --- API tokens ----------------------------------------------------------------------------
def _user_named(s: OrmSession, name: str) -> User:
    user = s.scalar(select(User).where(User.name == name))
    if user is None:
        raise AuthError(f"Không có người dùng «{name}».", "Kiểm tra lại tên đăng nhập.")
    return user


def list_tokens(settings: Settings, name: str | None = None) -> list[tuple[ApiToken, str]]:
    """(token, user name) pairs, oldest first; only one user's when `name` is given."""
    Session = session_factory(settings.db_url)
    with Session() as s:
        q = select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
        if name is not None:
            q = q.where(ApiToken.user_id == _user_named(s, name).id)
        return [(t, n) for t, n in s.execute(q.order_by(ApiToken.id))]


def revoke_tokens(settings: Settings, name: str, token_id: int | None = None) -> int:
    """Delete all of a user's tokens, or the one with `token_id`; returns how many."""
    Session = session_factory(settings.db_url)
    with Session.begin() as s:
        user = _user_named(s, name)
        q = delete(ApiToken).where(ApiToken.user_id == user.id)
        if token_id is not None:
            q = q.where(ApiToken.id == token_id)
        n = s.execute(q).rowcount or 0
        if token_id is not None and n == 0:
            raise AuthError(f"Người dùng «{name}» không có mã truy cập số {token_id}.",
                            f"Xem danh sách: bulletins token list {name}.")
        return n
