"""The news queue: validate, store, import and list items; record what aired.

Nothing an editor submitted is lost: an item stays queued until it has aired at every
station it targets, is archived, or its validity ends. Imports are all-or-nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from .config import Settings
from .db import BulletinRecord, ItemAiring, NewsItem, session_factory, utcnow
from .errors import QueueError
from .models import PRIORITIES, PRIORITY_RANK, STATUSES, Item

FIELDS = ("title", "body", "priority", "category", "stations", "valid_from", "valid_until")
MAX_TITLE = 300

_PRIORITY_ALIASES = {
    "urgent": "urgent", "khẩn": "urgent", "khẩn cấp": "urgent", "khan": "urgent",
    "khan cap": "urgent", "high": "high", "cao": "high", "normal": "normal",
    "bình thường": "normal", "binh thuong": "normal", "thường": "normal", "low": "low",
    "thấp": "low", "thap": "low", "": "normal",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class ItemInput:
    """A validated, not yet stored item."""

    title: str
    body: str
    priority: str = "normal"
    category: str = ""
    stations: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None


def _clean_text(value: str) -> str:
    # NFC and no control characters at the door; the normalizer does the rest at speech time.
    return _CONTROL.sub("", unicodedata.normalize("NFC", value)).strip()


def _repair_legacy(value: str, field: str, where: str) -> str:
    """Word documents still carry TCVN3/VNI text: convert it here, so editors see it right."""
    from .errors import NormalizeError
    from .normalize.unicode import convert_legacy

    try:
        return convert_legacy(value)[0]
    except NormalizeError as exc:
        raise QueueError(f"{where}trường «{field}»: {exc.message}", exc.hint) from exc


def parse_date(value: Any, field: str, where: str = "") -> date | None:
    """Accept ISO (2026-11-25), Vietnamese D/M/YYYY, D-M-YYYY and D.M.YYYY."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.+Z-]*)?", text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if not m:
            raise QueueError(
                f"{where}trường «{field}»: «{text}» không phải ngày hợp lệ.",
                "Viết ngày dạng 2026-11-25 hoặc 25/11/2026.",
            )
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        return date(y, mo, d)
    except ValueError as exc:
        raise QueueError(f"{where}trường «{field}»: ngày «{text}» không tồn tại.") from exc


def validate_item(raw: Any, settings: Settings, where: str = "") -> ItemInput:
    """Check one raw record (dict from JSON, CSV, CLI or web) and return a clean ItemInput.

    `where` prefixes messages, e.g. "Dòng 4: ", so an editor can find the bad row.
    """
    if not isinstance(raw, dict):
        raise QueueError(f"{where}mỗi tin phải là một đối tượng có «title» và «body».")
    unknown = [k for k in raw if k not in FIELDS and k not in ("id", "status")]
    if unknown:
        raise QueueError(
            f"{where}trường không biết: {', '.join(map(str, unknown))}.",
            "Các trường hợp lệ: " + ", ".join(FIELDS) + ".",
        )

    def text(field: str) -> str:
        v = raw.get(field)
        if v is None:
            return ""
        if not isinstance(v, str | int | float) or isinstance(v, bool):
            raise QueueError(f"{where}trường «{field}» phải là chữ.")
        value = _clean_text(str(v))
        if field in ("title", "body"):
            value = _repair_legacy(value, field, where)
        return value

    title, body = text("title"), text("body")
    if not title:
        raise QueueError(f"{where}thiếu tiêu đề («title»).")
    if len(title) > MAX_TITLE:
        raise QueueError(f"{where}tiêu đề dài quá {MAX_TITLE} ký tự.")
    if not body:
        raise QueueError(f"{where}thiếu nội dung («body»).")
    if len(body) > settings.web.max_body_chars:
        raise QueueError(
            f"{where}nội dung dài {len(body)} ký tự, quá giới hạn {settings.web.max_body_chars}.",
            "Hãy chia thành nhiều tin ngắn hơn.",
        )
    prio_raw = text("priority").lower()
    if prio_raw not in _PRIORITY_ALIASES:
        raise QueueError(
            f"{where}trường «priority»: «{prio_raw}» không hợp lệ.",
            "Dùng urgent, high, normal hoặc low (khẩn cấp, cao, bình thường, thấp).",
        )
    stations = _parse_stations(raw.get("stations"), settings, where)
    valid_from = parse_date(raw.get("valid_from"), "valid_from", where)
    valid_until = parse_date(raw.get("valid_until"), "valid_until", where)
    if valid_from and valid_until and valid_until < valid_from:
        raise QueueError(f"{where}«valid_until» ({valid_until}) trước «valid_from» ({valid_from}).")
    return ItemInput(
        title=title,
        body=body,
        priority=_PRIORITY_ALIASES[prio_raw],
        category=text("category"),
        stations=stations,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def _parse_stations(value: Any, settings: Settings, where: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        ids = [s.strip() for s in re.split(r"[,;|\s]+", value) if s.strip()]
    elif isinstance(value, list) and all(isinstance(s, str) for s in value):
        ids = [s.strip() for s in value if s.strip()]
    else:
        raise QueueError(f"{where}trường «stations» phải là danh sách mã đài.")
    if any(i in ("*", "all", "tat-ca") for i in ids):
        return ()
    known = {s.id for s in settings.stations}
    bad = [i for i in ids if i not in known]
    if bad:
        raise QueueError(
            f"{where}trường «stations»: không có đài {', '.join(bad)}.",
            "Các đài đã cấu hình: " + ", ".join(sorted(known)) + ".",
        )
    return tuple(dict.fromkeys(ids))


def read_import_file(path: Path, settings: Settings) -> list[ItemInput]:
    """Parse a JSON list or a CSV file into validated items; any bad row fails the whole file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QueueError(f"Không đọc được tệp {path}.", detail=str(exc)) from exc
    text = _decode(data, path)
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise QueueError(
                f"Tệp {path.name} không phải JSON hợp lệ: dòng {exc.lineno}, cột {exc.colno}.",
                "Tệp JSON phải là một danh sách các tin: [{\"title\": …, \"body\": …}].",
            ) from exc
        if not isinstance(rows, list):
            raise QueueError(f"Tệp {path.name} phải chứa một danh sách (list) các tin.")
        items = [validate_item(r, settings, f"Tin thứ {i} trong tệp: ")
                 for i, r in enumerate(rows, 1)]
    else:
        items = _read_csv(text, path, settings)
    if not items:
        raise QueueError(f"Tệp {path.name} không có tin nào.")
    return items


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for enc in ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ():
        return data.decode(enc)
    try:
        # Excel on Vietnamese Windows saves CSV as Windows-1258.
        return data.decode("cp1258")
    except UnicodeDecodeError as exc:
        raise QueueError(
            f"Tệp {path.name} không đọc được: không phải UTF-8.", "Lưu lại tệp với mã UTF-8."
        ) from exc


def _read_csv(text: str, path: Path, settings: Settings) -> list[ItemInput]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") and "\t" not in sample else ","
    if sample.count("\t") > max(sample.count(","), sample.count(";")):
        delimiter = "\t"
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "title" not in header or "body" not in header:
            raise QueueError(
                f"Tệp {path.name}: dòng tiêu đề phải có cột «title» và «body».",
                "Các cột hợp lệ: " + ", ".join(FIELDS) + ".",
            )
        reader.fieldnames = header
        items = []
        for row in reader:
            line = reader.line_num
            if None in row:
                raise QueueError(f"Dòng {line} của {path.name}: thừa cột so với dòng tiêu đề.")
            if not any((v or "").strip() for v in row.values()):
                continue
            clean = {k: (v or "").strip() for k, v in row.items() if k}
            items.append(validate_item(clean, settings, f"Dòng {line} của {path.name}: "))
        return items
    except csv.Error as exc:
        raise QueueError(f"Tệp {path.name} không phải CSV hợp lệ: {exc}.") from exc


def _to_item(row: NewsItem) -> Item:
    return Item(
        id=row.id,
        title=row.title,
        body=row.body,
        priority=row.priority,
        category=row.category,
        stations=tuple(s for s in row.stations.split(",") if s),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        status=row.status,
        created_at=row.created_at,
        air_count=row.air_count,
    )


def queue_order(item: Item) -> tuple:
    """Urgent first, then priority, then first come first served."""
    return (PRIORITY_RANK.get(item.priority, 9), item.created_at or datetime.min, item.id)


class NewsQueue:
    """The queue in the database. Thin: validation is `validate_item`, ordering `queue_order`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.Session = session_factory(settings.db_url)

    def add(self, raw: dict | ItemInput, created_by: str = "", status: str = "queued") -> Item:
        return self.add_many([raw], created_by, status)[0]

    def add_many(self, raws: Sequence[dict | ItemInput], created_by: str = "",
                 status: str = "queued") -> list[Item]:
        inputs = [r if isinstance(r, ItemInput) else validate_item(r, self.settings) for r in raws]
        if status not in STATUSES:
            raise QueueError(f"Trạng thái «{status}» không hợp lệ.")
        try:
            with self.Session.begin() as s:
                rows = [NewsItem(
                    title=i.title, body=i.body, priority=i.priority, category=i.category,
                    stations=",".join(i.stations), valid_from=i.valid_from,
                    valid_until=i.valid_until, status=status, created_by=created_by,
                ) for i in inputs]
                s.add_all(rows)
                s.flush()
                return [_to_item(r) for r in rows]
        except SQLAlchemyError as exc:
            raise QueueError("Không lưu được tin vào cơ sở dữ liệu.", detail=str(exc)) from exc

    def import_file(self, path: Path, created_by: str = "") -> list[Item]:
        return self.add_many(read_import_file(Path(path), self.settings), created_by)

    def get(self, item_id: int) -> Item:
        with self.Session() as s:
            row = s.get(NewsItem, item_id)
            if row is None:
                raise QueueError(f"Không có tin số {item_id}.")
            return _to_item(row)

    def update(self, item_id: int, raw: dict) -> Item:
        """Replace an item's editable fields (validated like a new item)."""
        current = self.get(item_id)
        merged = {
            "title": current.title, "body": current.body, "priority": current.priority,
            "category": current.category, "stations": list(current.stations),
            "valid_from": current.valid_from, "valid_until": current.valid_until,
        }
        merged.update({k: v for k, v in raw.items() if k in FIELDS})
        clean = validate_item(merged, self.settings)
        with self.Session.begin() as s:
            row = s.get(NewsItem, item_id)
            row.title, row.body, row.priority = clean.title, clean.body, clean.priority
            row.category, row.stations = clean.category, ",".join(clean.stations)
            row.valid_from, row.valid_until = clean.valid_from, clean.valid_until
            if "status" in raw:
                self._check_status(raw["status"])
                row.status = raw["status"]
            s.flush()
            return _to_item(row)

    @staticmethod
    def _check_status(status: str) -> None:
        if status not in STATUSES:
            raise QueueError(f"Trạng thái «{status}» không hợp lệ.", "Dùng: " + ", ".join(STATUSES))

    def set_status(self, item_id: int, status: str) -> Item:
        self._check_status(status)
        with self.Session.begin() as s:
            row = s.get(NewsItem, item_id)
            if row is None:
                raise QueueError(f"Không có tin số {item_id}.")
            row.status = status
            s.flush()
            return _to_item(row)

    def list(self, status: str | None = None, station: str | None = None,
             priority: str | None = None, category: str | None = None) -> list[Item]:
        with self.Session() as s:
            q = select(NewsItem)
            if status:
                q = q.where(NewsItem.status == status)
            if priority:
                q = q.where(NewsItem.priority == priority)
            if category:
                q = q.where(NewsItem.category == category)
            items = [_to_item(r) for r in s.scalars(q)]
        if station:
            items = [i for i in items if i.targets(station)]
        return sorted(items, key=queue_order)

    def candidates(self, station_id: str, day: date) -> list[Item]:
        """Items that may air at this station on this day, in queue order."""
        with self.Session() as s:
            aired = set(s.scalars(
                select(ItemAiring.item_id).where(ItemAiring.station == station_id)))
            rows = s.scalars(select(NewsItem).where(NewsItem.status == "queued"))
            items = [_to_item(r) for r in rows if r.id not in aired]
        return sorted(
            (i for i in items if i.targets(station_id) and i.valid_on(day)), key=queue_order
        )

    def mark_aired(self, item_ids: Iterable[int], station_id: str, day: date, slot: str) -> None:
        """Record airings; an item that has now aired at every target station leaves the queue."""
        all_stations = {s.id for s in self.settings.stations}
        with self.Session.begin() as s:
            for item_id in sorted(set(item_ids)):  # one lock order: no deadlock between reports
                # Row lock: two stations reporting the same item at once on PostgreSQL must
                # not lose a count (SQLite's single writer ignores it).
                row = s.get(NewsItem, item_id, with_for_update=True)
                if row is None:
                    continue
                s.add(ItemAiring(item_id=item_id, station=station_id, day=day, slot=slot))
                row.air_count += 1
                row.last_aired_at = utcnow()
                s.flush()
                targets = {t for t in row.stations.split(",") if t} or all_stations
                aired_at = set(s.scalars(
                    select(ItemAiring.station).where(ItemAiring.item_id == item_id)))
                if row.status == "queued" and targets <= aired_at:
                    row.status = "aired"

    def record_bulletin(self, station: str, day: date, slot: str, path: str, sha256: str,
                        duration_s: float, engine: str, item_ids: list[int],
                        deferred_ids: list[int]) -> int:
        with self.Session.begin() as s:
            rec = BulletinRecord(
                station=station, day=day, slot=slot, path=path, sha256=sha256,
                duration_s=duration_s, engine=engine, item_ids=json.dumps(item_ids),
                deferred_ids=json.dumps(deferred_ids),
            )
            s.add(rec)
            s.flush()
            return rec.id

    def counts(self) -> dict[str, int]:
        with self.Session() as s:
            rows = s.execute(select(NewsItem.status, func.count()).group_by(NewsItem.status))
            return {status: n for status, n in rows}


def priority_ok(value: str) -> bool:
    return value in PRIORITIES
