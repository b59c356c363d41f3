"""The database: SQLAlchemy 2 tables, opened through Alembic so every station's schema migrates.

SQLite by default (a file in the home folder); any SQLAlchemy URL works, e.g. PostgreSQL for a
district server. SQLite runs in WAL mode with a busy timeout so the web app, the scheduler and
the CLI can share one file.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from .errors import QueueError, explain

MIGRATIONS = Path(__file__).parent / "migrations"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class NewsItem(Base):
    __tablename__ = "news_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(10), default="normal", index=True)
    category: Mapped[str] = mapped_column(String(100), default="")
    stations: Mapped[str] = mapped_column(String(1000), default="")  # comma-separated, "" = all
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    air_count: Mapped[int] = mapped_column(Integer, default=0)
    last_aired_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # sources: the text before `news shorten --apply` (or an over-long import's full text),
    # and where the item came from (article URL or feed guid), so it is never queued twice.
    original_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_ref: Mapped[str] = mapped_column(String(1000), default="", index=True)
    # recorded: a stored recording (recording.py), its measured length and language.
    audio_path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    audio_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)


class ItemAiring(Base):
    """One airing (or download-only publication) of an item at a station."""

    __tablename__ = "item_airings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("news_items.id"), index=True)
    station: Mapped[str] = mapped_column(String(64), index=True)
    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(64))
    aired_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Which bulletin aired it (its MP3's sha256): one airing per (item, station, bulletin),
    # so a log row recorded twice never counts twice. NULL for rows older than the column.
    bulletin: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (UniqueConstraint("item_id", "station", "bulletin",
                                       name="uq_item_airings_item_station_bulletin"),)


class BulletinRecord(Base):
    """A published bulletin file."""

    __tablename__ = "bulletins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station: Mapped[str] = mapped_column(String(64), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    slot: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float)
    engine: Mapped[str] = mapped_column(String(100))
    item_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    deferred_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # "publishing" while its files are being renamed into place, "published" once they are,
    # "archived" when a rebuild moved it to archive/ (then `path` points there).
    status: Mapped[str] = mapped_column(String(16), default="published",
                                        server_default="published")


class BroadcastLog(Base):
    """The broadcast log ("nhật ký phát"): one row per slot outcome."""

    __tablename__ = "broadcast_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station: Mapped[str] = mapped_column(String(64), index=True)
    slot: Mapped[str] = mapped_column(String(64))
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    file: Mapped[str] = mapped_column(String(1000), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    items: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of item ids
    engine: Mapped[str] = mapped_column(String(100), default="")
    outcome: Mapped[str] = mapped_column(String(16))  # aired|late|missed|failed|emergency
    error: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin|editor|operator
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


# --- web sessions and login throttling (authsched) ---------------------------------------
class WebSession(Base):
    """A signed-in browser. The cookie holds a random id whose sha256 is the key here, so
    logging out (deleting the row) refuses a replayed cookie."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LoginFailure(Base):
    """One wrong password, by account name and address (throttled together)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class KnownAddress(Base):
    """An address a user has signed in from with the right password."""

    __tablename__ = "login_known_addresses"
    __table_args__ = (UniqueConstraint("user_id", "address"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str] = mapped_column(String(64))
    last_ok_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StationToken(Base):
    """A commune station machine's credential (station scope only), stored hashed."""

    __tablename__ = "station_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station: Mapped[str] = mapped_column(String(64), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class StationReport(Base):
    """A report received from a station: its id is unique, so a resent report counts once."""

    __tablename__ = "station_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(String(64), unique=True)
    station: Mapped[str] = mapped_column(String(64), index=True)
    log_id: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StationContact(Base):
    """When a station last reached the server, and what it holds for its next slot (JSON)."""

    __tablename__ = "station_contacts"
    station: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_contact_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    holding: Mapped[str] = mapped_column(Text, default="{}")


_engines: dict[str, Engine] = {}
BUSY_TIMEOUT_MS = 10_000  # how long a writer waits for another's lock before "đang bận"
# A write that must not be lost (a broadcast-log row, the items it aired) tries again for
# this long when the database stays locked past the busy timeout, or is gone.
WRITE_RETRY_S = 60.0
_engines_lock = threading.Lock()


log = logging.getLogger(__name__)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def retrying(write: Callable[_P, _R]) -> Callable[_P, _R]:
    """`write` again, with growing pauses, while the database says it is locked or gone
    (OperationalError); the last error is raised once WRITE_RETRY_S has passed. For writes
    that are whole transactions, safe to repeat."""

    @functools.wraps(write)
    def again(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        deadline = time.monotonic() + WRITE_RETRY_S
        pause = 0.05
        while True:
            try:
                return write(*args, **kwargs)
            except OperationalError as exc:
                if time.monotonic() + pause > deadline:
                    raise
                log.warning("%s: database write failed (%s); trying again", write.__name__,
                            str(exc.orig or exc).strip())
                time.sleep(pause)
                pause = min(pause * 2, 2.0)

    return again


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def get_engine(url: str) -> Engine:
    """One migrated Engine per URL per process."""
    with _engines_lock:
        if url in _engines:
            return _engines[url]
        try:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            if url.startswith("sqlite"):
                # No cap on connections: SQLite's own lock orders the writers. With a capped
                # pool, 20 plays waiting on another process's write lock held every
                # connection, and a reader that would have let it go waited for one.
                engine = create_engine(url, max_overflow=-1)
            else:  # pre-ping: a server (PostgreSQL) may drop idle connections between slots
                engine = create_engine(url, pool_pre_ping=True)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            migrate(engine)
        except (SQLAlchemyError, OSError) as exc:
            fault = explain(exc)  # busy, corrupt or disk full: say that, not «database_url»
            if fault is not None:
                raise fault from exc
            raise QueueError(
                "Không mở được cơ sở dữ liệu.", "Kiểm tra «database_url» và quyền ghi thư mục.",
                detail=str(exc),
            ) from exc
        _engines[url] = engine
        return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Several workers starting at once: one migrates, the others wait, then find
            # the schema current (a transaction-level lock, released at commit).
            from sqlalchemy import text

            conn.execute(text("SELECT pg_advisory_xact_lock(7426001)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def session_factory(url: str) -> sessionmaker:
    return sessionmaker(get_engine(url), expire_on_commit=False)


def table_names(url: str) -> list[str]:
    return inspect(get_engine(url)).get_table_names()
