import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from bulletins.errors import QueueError
from bulletins.news import NewsQueue
from tests.conftest import write_config

TWO_STATIONS = """
[[stations]]
id = "ia-hru"
name = "Đài xã Ia Hrú"
[[stations]]
id = "ia-piar"
name = "Đài xã Ia Piar"
"""


def test_add_and_list_in_queue_order(settings):
    q = NewsQueue(settings)
    q.add({"title": "Bình thường", "body": "b"})
    q.add({"title": "Thấp", "body": "b", "priority": "thấp"})
    q.add({"title": "Khẩn", "body": "b", "priority": "khẩn cấp"})
    q.add({"title": "Cao", "body": "b", "priority": "HIGH"})
    assert [i.title for i in q.list()] == ["Khẩn", "Cao", "Bình thường", "Thấp"]


def test_text_is_repaired_at_the_door(settings):
    q = NewsQueue(settings)
    nfd = unicodedata.normalize("NFD", "Ủy ban nhân dân xã")
    it = q.add({"title": nfd, "body": "dòng\x00 một\x07"})
    assert it.title == "Ủy ban nhân dân xã"
    assert it.body == "dòng một"


def test_legacy_tcvn3_text_from_word_is_converted_at_the_door(settings):
    it = NewsQueue(settings).add({
        "title": "Th«ng b¸o häp d©n",
        "body": "Nh©n d©n x· Ia Hró häp t¹i héi tr­êng th«n 5.",
    })
    assert it.title == "Thông báo họp dân"
    assert it.body == "Nhân dân xã Ia Hrú họp tại hội trường thôn 5."


@pytest.mark.parametrize("raw, words", [
    ({"body": "x"}, "tiêu đề"),
    ({"title": "x"}, "nội dung"),
    ({"title": "x", "body": "y", "priority": "gấp"}, "priority"),
    ({"title": "x", "body": "y", "valid_from": "31/02/2026"}, "không tồn tại"),
    ({"title": "x", "body": "y", "valid_from": "mai"}, "valid_from"),
    ({"title": "x", "body": "y", "valid_from": "2026-12-05", "valid_until": "2026-12-01"},
     "valid_until"),
    ({"title": "x", "body": "y", "stations": "khong-co"}, "stations"),
    ({"title": "x", "body": "y", "colour": "red"}, "colour"),
])
def test_bad_items_are_refused_with_the_field_named(settings, raw, words):
    with pytest.raises(QueueError, match=words):
        NewsQueue(settings).add(raw)
    assert NewsQueue(settings).list() == []


def test_json_import(settings, tmp_path: Path):
    f = tmp_path / "tin.json"
    f.write_text(json.dumps([
        {"title": "A", "body": "a", "priority": "urgent", "valid_until": "2026-12-31"},
        {"title": "B", "body": "b", "category": "y tế", "valid_from": "01/12/2026"},
    ], ensure_ascii=False), encoding="utf-8")
    items = NewsQueue(settings).import_file(f)
    assert [i.title for i in items] == ["A", "B"]
    assert items[1].valid_from == date(2026, 12, 1) and items[1].category == "y tế"


def test_csv_import_with_semicolons_and_bom(settings, tmp_path: Path):
    f = tmp_path / "tin.csv"
    f.write_text("\ufefftitle;body;priority;stations\nMất điện;Ngày 29/11 mất điện;high;\n"
                 "Họp dân;Tối nay họp;;ia-hru\n", encoding="utf-8")
    items = NewsQueue(settings).import_file(f)
    assert [(i.title, i.priority, i.stations) for i in items] == [
        ("Mất điện", "high", ()), ("Họp dân", "normal", ("ia-hru",))]


def _cp1258(text: str) -> bytes:
    """Encode as Windows does: base letter in cp1258, tone as a combining mark."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tone = "".join(c for c in parts if c in tones)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return out


def test_csv_from_excel_in_windows_1258_is_read(settings, tmp_path: Path):
    f = tmp_path / "tin.csv"
    f.write_bytes(_cp1258("title,body\nThông báo,Họp dân\n"))
    items = NewsQueue(settings).import_file(f)
    assert items[0].title == "Thông báo" and items[0].body == "Họp dân"


@pytest.mark.parametrize("name, content, words", [
    ("x.json", '[{"title": "A", "body": "a"}, {"title": "B"}]', "Tin thứ 2"),
    ("x.json", '[{"title": "A", "body": "a"},', "không phải JSON"),
    ("x.json", '{"title": "A", "body": "a"}', "danh sách"),
    ("x.csv", "title,body\nA,a\nB,b,extra\n", "Dòng 3"),
    ("x.csv", "title,body,priority\nA,a,normal\nB,b,gấp\n", "Dòng 3"),
    ("x.csv", "tieu de,noi dung\nA,a\n", "title"),
    ("x.json", "[]", "không có tin"),
])
def test_malformed_import_changes_nothing(settings, tmp_path: Path, name, content, words):
    q = NewsQueue(settings)
    q.add({"title": "Có sẵn", "body": "x"})
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    with pytest.raises(QueueError, match=words):
        q.import_file(f)
    assert [i.title for i in q.list()] == ["Có sẵn"]


def test_candidates_respect_dates_stations_and_airings(home):
    s = write_config(home, TWO_STATIONS)
    q = NewsQueue(s)
    a = q.add({"title": "A", "body": "a"})
    b = q.add({"title": "B", "body": "b", "stations": "ia-piar"})
    c = q.add({"title": "C", "body": "c", "valid_from": "2026-12-01"})
    day = date(2026, 11, 25)
    assert [i.id for i in q.candidates("ia-hru", day)] == [a.id]
    assert [i.id for i in q.candidates("ia-piar", day)] == [a.id, b.id]
    assert c.id in [i.id for i in q.candidates("ia-hru", date(2026, 12, 1))]
    q.mark_aired([a.id], "ia-hru", day, "sang")
    assert q.candidates("ia-hru", day) == []
    # Still waiting for the other station it targets, so still queued there.
    assert q.get(a.id).status == "queued" and q.get(a.id).air_count == 1
    assert [i.id for i in q.candidates("ia-piar", day)] == [a.id, b.id]
    q.mark_aired([a.id, b.id], "ia-piar", day, "sang")
    assert q.get(a.id).status == "aired" and q.get(b.id).status == "aired"


def test_database_survives_reopen(settings):
    NewsQueue(settings).add({"title": "A", "body": "a"})
    from bulletins import db
    db._engines.clear()
    assert [i.title for i in NewsQueue(settings).list()] == ["A"]
    assert "bulletins_alembic_version" in db.table_names(settings.db_url)


def test_a_duplicate_is_kept_warned_and_planned_once(settings):
    from bulletins.news import drop_duplicates

    q = NewsQueue(settings)
    first = q.add({"title": "Họp dân", "body": "Tối nay họp tại nhà văn hóa."})
    assert q.warnings == []
    second = q.add({"title": "HỌP DÂN", "body": "Tối nay họp tại nhà văn hóa!", "priority": "high"})
    assert q.warnings and f"tin số {first.id}" in q.warnings[0]
    assert {i.id for i in q.list()} == {first.id, second.id}  # nothing is lost
    # The plan sees it once: the higher-priority copy, which comes first in queue order.
    (only,) = q.candidates(settings.stations[0].id, date.today())
    assert only.id == second.id
    assert drop_duplicates([first, second, first]) == [first]
