"""The news queue: validate, store, import and list items; record what aired.

Nothing an editor submitted is lost: an item stays queued until it has aired at every
station it targets, is archived, or its validity ends. Imports are all-or-nothing.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .config import Settings
from .db import BulletinRecord, ItemAiring, NewsItem, session_factory, utcnow
from .encoding import decode_bytes, fix_argument, strip_escapes
from .errors import LegacyEncodingError, NotFoundError, QueueError, explain
from .models import PRIORITIES, STATUSES, Item, ItemFields, queue_order

FIELDS = ("title", "body", "priority", "category", "stations", "valid_from", "valid_until",
          "audio", "language")
MAX_TITLE = 300

_PRIORITY_ALIASES = {
    "urgent": "urgent", "khẩn": "urgent", "khẩn cấp": "urgent", "khan": "urgent",
    "khan cap": "urgent", "high": "high", "cao": "high", "normal": "normal",
    "bình thường": "normal", "binh thuong": "normal", "thường": "normal", "low": "low",
    "thấp": "low", "thap": "low", "": "normal",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Zero-width and direction marks are invisible; a soft hyphen left over is too.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_TAG = re.compile(r"</?[A-Za-z!][^<>]{0,400}>")
MIN_YEAR, MAX_YEAR = 2000, 2100  # a commune bulletin's dates; 01/01/0001 is a typing slip


@dataclass(frozen=True, kw_only=True)
class ItemInput(ItemFields):
    """A validated, not yet stored item; `audio` is a recording to ingest (path as given;
    imports resolve it)."""

    warnings: tuple[str, ...] = ()  # Vietnamese notes for the editor (text converted, …)


def _clean_text(value: str) -> str:
    # NFC and no control characters at the door; the normalizer does the rest at speech time.
    value = strip_escapes(value)
    return _INVISIBLE.sub("", _CONTROL.sub("", unicodedata.normalize("NFC", value))).strip()


def _strip_markup(value: str) -> str:
    """Titles and categories are shown and read as headings: no tags, no entities."""
    for _ in range(2):  # twice: "&lt;b&gt;" unescapes to a tag
        if "&" in value:
            value = html.unescape(value)
        if "<" in value:
            value = _TAG.sub(" ", value)
    return " ".join(value.split())


def _from_legacy(value: str, field: str, where: str, warnings: list[str]) -> str:
    """Old TCVN3/VNI text (Word pastes, raw bytes) becomes Unicode here, and the editor is
    told; when the encoding is unclear the item is refused with both readings."""
    try:
        decoded = fix_argument(value)
    except LegacyEncodingError as exc:
        raise QueueError(f"{where}trường «{field}»: {exc.message}", exc.hint,
                         detail=exc.detail) from exc
    note = decoded.warning(f"{where}trường «{field}»")
    if note:
        warnings.append(note)
    return decoded.text


def _readable(value: Any) -> Any:
    if isinstance(value, list):
        return [_readable(v) for v in value]
    if not isinstance(value, str) or not any("\udc80" <= c <= "\udcff" for c in value):
        return value
    try:
        return fix_argument(value).text
    except LegacyEncodingError:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def dedupe_key(title: str, body: str) -> str:
    """Two items with this same key say the same thing (case, spacing, punctuation aside)."""
    text = unicodedata.normalize("NFC", f"{title}\n{body}").casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def drop_duplicates(items: Sequence[Item]) -> list[Item]:
    """Keep the first of items that say the same thing, so a bulletin reads each once."""
    seen: set[str] = set()
    out = []
    for item in items:
        # Recordings differ by their content (stored files are named by it), not their title.
        key = dedupe_key(item.title, item.body) + (f"\n{item.audio}" if item.audio else "")
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def parse_date(value: Any, field: str, where: str = "") -> date | None:
    """Accept ISO (2026-11-25, with an optional time), Vietnamese D/M/YYYY, D-M-YYYY and
    D.M.YYYY, for years MIN_YEAR..MAX_YEAR."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return _in_range(value, str(value), field, where)
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:([T ])(.+))?", text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        if m[5] is not None:
            _check_time(m[5], text, field, where)
    else:
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if not m:
            raise QueueError(
                f"{where}trường «{field}»: «{text}» không phải ngày hợp lệ.",
                "Viết ngày dạng 2026-11-25 hoặc 25/11/2026.",
            )
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        day = date(y, mo, d)
    except ValueError as exc:
        raise QueueError(f"{where}trường «{field}»: ngày «{text}» không tồn tại.") from exc
    return _in_range(day, text, field, where)


def _check_time(clock: str, text: str, field: str, where: str) -> None:
    try:
        datetime.fromisoformat("2000-01-01T" + clock)
    except ValueError as exc:
        raise QueueError(f"{where}trường «{field}»: giờ «{clock}» trong «{text}» không tồn tại.",
                         "Giờ viết dạng 07:30 (từ 00:00 đến 23:59).") from exc


def _in_range(day: date, text: str, field: str, where: str) -> date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise QueueError(f"{where}trường «{field}»: năm {day.year} trong «{text}» không hợp lý.",
                         f"Dùng một ngày từ năm {MIN_YEAR} đến {MAX_YEAR}.")
    return day


def validate_item(raw: Any, settings: Settings, where: str = "",
                  has_audio: bool = False) -> ItemInput:
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

    warnings: list[str] = []
    # Raw bytes in other fields (priority, stations, dates) must not break the message that
    # quotes them: read them like any argument, or mark what cannot be read.
    raw = {k: _readable(v) if k not in ("title", "body", "category") else v
           for k, v in raw.items()}

    def text(field: str) -> str:
        v = raw.get(field)
        if v is None:
            return ""
        if not isinstance(v, str | int | float) or isinstance(v, bool):
            raise QueueError(f"{where}trường «{field}» phải là chữ.")
        if isinstance(v, float) and not math.isfinite(v):
            raise QueueError(f"{where}trường «{field}»: «{v}» không phải chữ hay số.")
        value = str(v)
        if field in ("title", "body", "category"):
            value = _from_legacy(value, field, where, warnings)
        value = _clean_text(value)
        if field in ("title", "category"):
            value = _strip_markup(value)
        return value

    title, body = text("title"), text("body")
    audio, language = text("audio"), text("language").lower()
    if language and not re.fullmatch(r"[a-z]{2,3}", language):
        raise QueueError(f"{where}trường «language»: «{language}» không phải mã ngôn ngữ.",
                         "Dùng mã ISO 639 hai hoặc ba chữ, ví dụ jra (Jrai), bdq (Ba Na).")
    if not title:
        raise QueueError(f"{where}thiếu tiêu đề («title»).")
    if len(title) > MAX_TITLE:
        raise QueueError(f"{where}tiêu đề dài quá {MAX_TITLE} ký tự.")
    if not body and not (audio or has_audio):
        raise QueueError(f"{where}thiếu nội dung («body»).",
                         "Một tin ghi âm («audio») thì không cần nội dung.")
    for field, value in (("title", title), ("body", body)) if body else (("title", title),):
        if not any(c.isalnum() for c in value):
            label = "tiêu đề" if field == "title" else "nội dung"
            raise QueueError(
                f"{where}{label} («{field}») không có chữ nào đọc được "
                "(chỉ có biểu tượng, ký tự ẩn hoặc dấu câu).",
                "Hãy viết nội dung bằng chữ.")
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
        warnings=tuple(warnings),
        audio=audio,
        language=language,
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
    """Parse a JSON list or a CSV file into validated items; any bad row fails the whole file.

    The warnings of the returned items say what was converted (old encodings)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QueueError(f"Không đọc được tệp {path}.", detail=str(exc)) from exc
    text, note = _decode(data, path)
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        items = _read_json(text, path, settings)
    else:
        items = _read_csv(text, path, settings)
    if not items:
        raise QueueError(f"Tệp {path.name} không có tin nào.")
    if note:
        items[0] = replace(items[0], warnings=(note, *items[0].warnings))
    # A recording named in the file is found beside the file (unless the path is absolute).
    return [replace(it, audio=str(path.parent / it.audio)) if it.audio else it for it in items]


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _read_json(text: str, path: Path, settings: Settings) -> list[ItemInput]:
    try:
        # NaN and Infinity are not JSON; Python would make the title "nan" of them.
        rows = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise QueueError(
            f"Tệp {path.name} không phải JSON hợp lệ: dòng {exc.lineno}, cột {exc.colno}.",
            "Tệp JSON phải là một danh sách các tin: [{\"title\": …, \"body\": …}].",
        ) from exc
    except ValueError as exc:
        raise QueueError(f"Tệp {path.name} có giá trị «{exc}», không phải chữ hay số hợp lệ.",
                         "Hãy viết chữ trong ngoặc kép, hoặc bỏ trường đó.") from exc
    except RecursionError as exc:
        raise QueueError(f"Tệp {path.name} lồng ngoặc quá sâu, không phải danh sách tin.",
                         "Tệp JSON phải là một danh sách các tin: [{\"title\": …}].") from exc
    if not isinstance(rows, list):
        raise QueueError(f"Tệp {path.name} phải chứa một danh sách (list) các tin.")
    return [validate_item(r, settings, f"Tin thứ {i} trong tệp: ") for i, r in enumerate(rows, 1)]


def _decode(data: bytes, path: Path) -> tuple[str, str | None]:
    """The file's text and, when it was in an old encoding, a Vietnamese note saying so."""
    try:
        decoded = decode_bytes(data)
    except LegacyEncodingError as exc:
        raise QueueError(f"Tệp {path.name}: {exc.message}", exc.hint, detail=exc.detail) from exc
    return decoded.text, decoded.warning(f"Tệp {path.name}")


_DELIMITERS = (",", ";", "\t", "|")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header line into known column names.

    The header decides, not the body: a comma file's text holds semicolons, and a semicolon
    file (Excel on Vietnamese Windows) holds commas."""
    header = text.split("\n", 1)[0]

    def known(delim: str) -> int:
        cells = next(csv.reader([header], delimiter=delim), [])
        return sum(1 for c in cells if c.strip().lower() in FIELDS)

    best = max(_DELIMITERS, key=lambda d: (known(d), header.count(d)))
    return best


def _read_csv(text: str, path: Path, settings: Settings) -> list[ItemInput]:
    delimiter = _sniff_delimiter(text)
    # A body as long as JSON allows must fit one CSV field (the csv module's default is 128 KiB).
    csv.field_size_limit(max(csv.field_size_limit(), settings.web.max_body_chars * 4 + 1024))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    name = path.name
    row_start = 1
    header: list[str] = []
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        dupes = sorted({h for h in header if h and header.count(h) > 1})
        if dupes:
            raise QueueError(f"Tệp {name}: cột «{dupes[0]}» có hai lần ở dòng tiêu đề.",
                             "Mỗi cột chỉ được có một lần; hãy xóa cột thừa.")
        if "title" not in header or ("body" not in header and "audio" not in header):
            raise QueueError(
                f"Tệp {name}: dòng tiêu đề phải có cột «title» và «body» (hoặc «audio»).",
                "Các cột hợp lệ: " + ", ".join(FIELDS) + ".",
            )
        items = []
        row_start = reader.line_num + 1
        for cells in reader:
            where = f"Dòng {row_start} của {name}: "
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                raise QueueError(f"{where}thừa cột so với dòng tiêu đề "
                                 f"({len(cells)} ô, tiêu đề có {len(header)} cột).",
                                 "Nội dung có dấu phân cách thì phải đặt trong ngoặc kép.")
            row = {h: (c or "").strip() for h, c in zip(header, cells, strict=False) if h}
            if any(row.values()):
                items.append(validate_item(row, settings, where))
            row_start = reader.line_num + 1
        return items
    except csv.Error as exc:
        column = _open_quote_column(text, row_start, delimiter, header) if header else ""
        raise QueueError(*_csv_message(str(exc), f"Dòng {row_start} của {name}: ", settings,
                                       column), detail=str(exc)) from exc


def _open_quote_column(text: str, row: int, delimiter: str, header: list[str]) -> str:
    """"cột «body»: " for the cell of line `row` that opens a quote it never closes."""
    lines = text.splitlines()
    if not 0 < row <= len(lines):
        return ""
    cells = lines[row - 1].split(delimiter)
    for i, cell in enumerate(cells):
        if cell.lstrip().startswith('"') and cell.count('"') % 2 == 1:
            rest = delimiter.join(cells[i:])
            if rest.count('"') % 2 == 1 and i < len(header):
                return f"cột «{header[i]}»: "
            break
    return ""


def _csv_message(error: str, where: str, settings: Settings,
                 column: str = "") -> tuple[str, str]:
    quotes = "Kiểm tra dấu ngoặc kép: mỗi ô mở ngoặc kép thì phải đóng lại."
    if "field larger than field limit" in error:
        return (f"{where}một ô dài quá giới hạn {settings.web.max_body_chars} ký tự.",
                "Hãy chia thành nhiều tin ngắn hơn.")
    if "unexpected end of data" in error or "EOF" in error:
        return (f"{where}{column}dấu ngoặc kép mở mà không đóng, các dòng sau bị dính vào "
                "ô này.", quotes)
    if "expected after" in error:
        return f"{where}sau dấu ngoặc kép đóng phải là dấu phân cách.", quotes
    return f"{where}không đọc được dòng CSV này.", quotes


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
        audio=row.audio_path,
        audio_ms=row.audio_ms,
        language=row.language or "",
    )


class NewsQueue:
    """The queue in the database. Thin: validation is `validate_item`, ordering `queue_order`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.Session = session_factory(settings.db_url)
        # Vietnamese notes from the last add/import (text converted, duplicates), for the edge.
        self.warnings: list[str] = []
        # Ids of the items of the last add/import that repeat another exactly (already
        # warned about): a near-duplicate search would only say it again.
        self.exact_repeats: set[int] = set()

    def add(self, raw: dict | ItemInput, created_by: str = "", status: str = "queued") -> Item:
        return self.add_many([raw], created_by, status)[0]

    def add_many(self, raws: Sequence[dict | ItemInput], created_by: str = "",
                 status: str = "queued") -> list[Item]:
        inputs = [r if isinstance(r, ItemInput) else validate_item(r, self.settings) for r in raws]
        if status not in STATUSES:
            raise QueueError(f"Trạng thái «{status}» không hợp lệ.")
        self.warnings = [w for i in inputs for w in i.warnings]
        self.exact_repeats = set()
        stored = {n: self._ingest(i) for n, i in enumerate(inputs) if i.audio}
        try:
            with self.Session.begin() as s:
                notes, repeats = self._duplicates(s, inputs)
                self.warnings += notes
                rows = [NewsItem(
                    title=i.title, body=i.body, priority=i.priority, category=i.category,
                    stations=",".join(i.stations), valid_from=i.valid_from,
                    valid_until=i.valid_until, status=status, created_by=created_by,
                    audio_path=str(stored[n].path) if n in stored else None,
                    audio_ms=stored[n].duration_ms if n in stored else None,
                    language=i.language or None,
                ) for n, i in enumerate(inputs)]
                s.add_all(rows)
                s.flush()
                self.exact_repeats = {rows[n].id for n in repeats}
                return [_to_item(r) for r in rows]
        except SQLAlchemyError as exc:
            raise explain(exc) or QueueError(
                "Không lưu được tin vào cơ sở dữ liệu.", detail=str(exc)) from exc

    def _ingest(self, i: ItemInput):  # noqa: ANN202
        """Decode, level and store the item's recording (refusing a corrupt or silent one)."""
        from .recording import ingest

        a = self.settings.audio
        out = ingest(Path(i.audio).expanduser(), self.settings.home, a.sample_rate,
                     a.loudness_lufs, a.highpass_hz, name=Path(i.audio).name)
        self.warnings += list(out.warnings)
        return out

    @staticmethod
    def _duplicates(s: Any, inputs: Sequence[ItemInput]) -> tuple[list[str], set[int]]:
        """Warn about items that repeat a queued one (or each other): they are kept, and
        `drop_duplicates` sees that a bulletin reads them once. Also the positions in
        `inputs` of every item involved in such a repeat."""
        # key -> (queued id, or 0 with the position of its first copy in this batch)
        seen = {dedupe_key(t, b): (n, -1) for n, t, b in s.execute(
            select(NewsItem.id, NewsItem.title, NewsItem.body)
            .where(NewsItem.status.in_(("queued", "draft"))))}
        notes: list[str] = []
        repeats: set[int] = set()
        for pos, i in enumerate(inputs):
            if i.audio:  # recordings with one title are different items, not repeats
                continue
            key = dedupe_key(i.title, i.body)
            if key in seen:
                queued, first = seen[key]
                other = f"tin số {queued}" if queued else "một tin khác trong cùng tệp"
                notes.append(f"Tin «{i.title}» trùng với {other} đang chờ phát; "
                             "mỗi bản tin chỉ đọc một lần.")
                repeats.update({pos, first} - {-1})
            else:
                seen[key] = (0, pos)
        return notes, repeats

    def import_file(self, path: Path, created_by: str = "") -> list[Item]:
        return self.add_many(read_import_file(Path(path), self.settings), created_by)

    def get(self, item_id: int) -> Item:
        with self.Session() as s:
            # an id past 64 bits cannot exist (and would overflow the database driver)
            row = s.get(NewsItem, item_id) if 0 < item_id < 2**63 else None
            if row is None:
                raise NotFoundError(f"Không có tin số {item_id}.")
            return _to_item(row)

    def update(self, item_id: int, raw: dict) -> Item:
        """Replace an item's editable fields (validated like a new item)."""
        current = self.get(item_id)
        merged = {
            "title": current.title, "body": current.body, "priority": current.priority,
            "category": current.category, "stations": list(current.stations),
            "valid_from": current.valid_from, "valid_until": current.valid_until,
            "language": current.language,
        }
        merged.update({k: v for k, v in raw.items() if k in FIELDS})
        clean = validate_item(merged, self.settings, has_audio=bool(current.audio))
        self.warnings = list(clean.warnings)
        self.exact_repeats = set()
        with self.Session.begin() as s:
            row = s.get(NewsItem, item_id)
            row.title, row.body, row.priority = clean.title, clean.body, clean.priority
            row.category, row.stations = clean.category, ",".join(clean.stations)
            row.valid_from, row.valid_until = clean.valid_from, clean.valid_until
            if "language" in raw:
                row.language = clean.language or None
            if clean.audio:  # a new recording replaces the old one
                out = self._ingest(clean)
                row.audio_path, row.audio_ms = str(out.path), out.duration_ms
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
                raise NotFoundError(f"Không có tin số {item_id}.")
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
        return drop_duplicates(sorted(
            (i for i in items if i.targets(station_id) and i.valid_on(day)), key=queue_order
        ))

    def mark_aired(self, item_ids: Iterable[int], station_id: str, day: date, slot: str,
                   bulletin: str = "") -> int:
        """Record that these items aired at this station, in the bulletin `bulletin` (its MP3's
        sha256; `day/slot` when unknown). Idempotent per (item, station, bulletin): a log row
        recorded twice counts once. An item that has now aired at every target station leaves
        the queue. Returns how many airings were new.

        Call it only for a broadcast-log row that says the bulletin played (aired, late,
        emergency) or, for a download-only station, was published: building is not airing.
        """
        key = bulletin or f"{day.isoformat()}/{slot}"
        ids = list(dict.fromkeys(item_ids))
        for attempt in range(2):
            try:
                return self._mark(ids, station_id, day, slot, key)
            except IntegrityError:
                if attempt:  # another process marked the same airing meanwhile: done
                    return 0
        return 0

    def _mark(self, ids: list[int], station_id: str, day: date, slot: str, key: str) -> int:
        all_stations = {s.id for s in self.settings.stations}
        new = 0
        with self.Session.begin() as s:
            for item_id in sorted(ids):  # one lock order: no deadlock between reports
                # Row lock: two stations reporting the same item at once on PostgreSQL must
                # not lose a count (SQLite's single writer ignores it).
                row = s.get(NewsItem, item_id, with_for_update=True)
                if row is None:
                    continue
                seen = s.scalar(select(ItemAiring.id).where(
                    ItemAiring.item_id == item_id, ItemAiring.station == station_id,
                    ItemAiring.bulletin == key))
                if seen is not None:
                    continue
                s.add(ItemAiring(item_id=item_id, station=station_id, day=day, slot=slot,
                                 bulletin=key))
                row.air_count += 1
                row.last_aired_at = utcnow()
                new += 1
                s.flush()
                targets = {t for t in row.stations.split(",") if t} or all_stations
                aired_at = set(s.scalars(
                    select(ItemAiring.station).where(ItemAiring.item_id == item_id)))
                if row.status == "queued" and targets <= aired_at:
                    row.status = "aired"
        return new

    # ---------------------------------------------------------------- bulletin records
    # A record is written "publishing" before the files are renamed into place and
    # finalized after, so a crash leaves either no published files or a record that the
    # next build of the slot (or a reader checking the sha256) can settle.

    def begin_bulletin(self, station: str, day: date, slot: str, path: str, sha256: str,
                       duration_s: float, engine: str, item_ids: list[int],
                       deferred_ids: list[int]) -> int:
        with self.Session.begin() as s:
            rec = BulletinRecord(
                station=station, day=day, slot=slot, path=path, sha256=sha256,
                duration_s=duration_s, engine=engine, item_ids=json.dumps(item_ids),
                deferred_ids=json.dumps(deferred_ids), status="publishing",
            )
            s.add(rec)
            s.flush()
            return rec.id

    def finish_bulletin(self, record_id: int, archived: dict[str, str] | None = None) -> None:
        """Mark the record published; earlier records of the slot whose files went to
        archive/ (`archived`: sha256 → new path) follow their files."""
        with self.Session.begin() as s:
            rec = s.get(BulletinRecord, record_id)
            if rec is None:
                return
            for old in s.scalars(select(BulletinRecord).where(
                    BulletinRecord.station == rec.station, BulletinRecord.day == rec.day,
                    BulletinRecord.slot == rec.slot, BulletinRecord.id != rec.id,
                    BulletinRecord.status == "published")):
                if archived and old.sha256 in archived:
                    old.path, old.status = archived[old.sha256], "archived"
                elif old.sha256 != rec.sha256:
                    old.status = "archived"
            rec.status = "published"

    def drop_bulletin(self, record_id: int) -> None:
        with self.Session.begin() as s:
            rec = s.get(BulletinRecord, record_id)
            if rec is not None and rec.status == "publishing":
                s.delete(rec)

    def settle_publishing(self, station: str, day: date, slot: str,
                          agrees: Callable[[str, str], bool]) -> None:
        """Records a crash left "publishing": published if their file is in place and its
        hash agrees (`agrees(path, sha256)`), else removed (their files never went live)."""
        with self.Session.begin() as s:
            for rec in s.scalars(select(BulletinRecord).where(
                    BulletinRecord.station == station, BulletinRecord.day == day,
                    BulletinRecord.slot == slot, BulletinRecord.status == "publishing")):
                if agrees(rec.path, rec.sha256):
                    rec.status = "published"
                else:
                    s.delete(rec)

    def record_bulletin(self, station: str, day: date, slot: str, path: str, sha256: str,
                        duration_s: float, engine: str, item_ids: list[int],
                        deferred_ids: list[int]) -> int:
        """A published record in one step (for bulletins published outside build_bulletin)."""
        rec_id = self.begin_bulletin(station, day, slot, path, sha256, duration_s, engine,
                                     item_ids, deferred_ids)
        self.finish_bulletin(rec_id)
        return rec_id

    def bulletin_records(self, station: str, slot: str, day: date | None = None,
                         before: date | None = None,
                         statuses: tuple[str, ...] = ("published",)) -> list[BulletinRecord]:
        """Records of a slot (on `day`, or before `before`), newest first."""
        with self.Session() as s:
            q = select(BulletinRecord).where(BulletinRecord.station == station,
                                             BulletinRecord.slot == slot,
                                             BulletinRecord.status.in_(statuses))
            if day is not None:
                q = q.where(BulletinRecord.day == day)
            if before is not None:
                q = q.where(BulletinRecord.day < before)
            q = q.order_by(BulletinRecord.day.desc(), BulletinRecord.id.desc())
            return list(s.scalars(q))

    def counts(self) -> dict[str, int]:
        with self.Session() as s:
            rows = s.execute(select(NewsItem.status, func.count()).group_by(NewsItem.status))
            return {status: n for status, n in rows}


def priority_ok(value: str) -> bool:
    return value in PRIORITIES
