"""The bad-input corpus: each case with the answer an editor must get, for the CLI and web.

An item case is the fields an editor types; `title`/`body` expected back when it is accepted
(converted text included), `warning` a piece of the warning it must bring, or `error` a piece
of the Vietnamese refusal. A file case is an import file's bytes and the titles it must give.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tests.legacy_bytes import as_cp1258, as_latin1, cp1258_bytes, tcvn3_bytes, vni_bytes


@dataclass(frozen=True)
class ItemCase:
    id: str
    fields: dict
    title: str | None = None
    body: str | None = None
    warning: str | None = None
    error: str | None = None
    body_bytes: bytes | None = None  # CLI only: the body on standard input as these bytes
    cli_only: bool = False  # raw bytes in an argument (a browser always sends UTF-8)


@dataclass(frozen=True)
class FileCase:
    id: str
    name: str
    data: bytes
    titles: list[str] = field(default_factory=list)
    warning: str | None = None
    error: str | None = None


CONVERTED = "đã được chuyển sang Unicode"
TITLES = ["Thông báo", "Họp dân", "Mất điện", "Lịch tiêm chủng", "Cắt điện ngày mai",
          "Phòng chống bão", "Thu hoạch lúa", "Nước sạch về thôn"]
BODIES = ["Bà con chú ý nghe thông báo của xã.", "Tối nay họp dân tại nhà văn hóa thôn.",
          "Ngày mai mất điện từ bảy giờ đến mười một giờ.", "Trạm y tế xã tiêm vắc xin cho trẻ.",
          "Điện lực cắt điện để sửa đường dây.", "Bà con gia cố nhà cửa trước khi bão về.",
          "Nông dân thu hoạch lúa sớm để tránh mưa.", "Người dân được dùng nước sạch miễn phí."]
PLAIN = ["Bản quyền © 2026 của đài", "Nhãn ® hợp tác xã", "Hạt bụi 2,5 µm", "Ruộng 10 × 20 m",
         "Giá 5 · 10 nghìn", "Nhiệt độ 25 °C", "Café Müller khai trương", "Chào «bà con»"]


def _item_cases() -> list[ItemCase]:
    cases: list[ItemCase] = []
    # Old encodings as already mis-decoded text (Word pastes, cp1258 readings): converted.
    for n, (title, body) in enumerate(zip(TITLES, BODIES, strict=True)):
        for name, encode in (("tcvn3", tcvn3_bytes), ("vni", vni_bytes)):
            for how, view in (("latin1", as_latin1), ("cp1258", as_cp1258)):
                cases.append(ItemCase(
                    f"{name}-{how}-{n}", {"title": view(encode(title)), "body": view(encode(body))},
                    title=title, body=body, warning=CONVERTED))
    # Raw legacy bytes on standard input (CLI): converted.
    for n, body in enumerate(BODIES[:4]):
        for name, encode in (("tcvn3", tcvn3_bytes), ("vni", vni_bytes), ("cp1258", cp1258_bytes)):
            cases.append(ItemCase(f"stdin-{name}-{n}", {"title": f"Tin số {n}", "body": "-"},
                                  title=f"Tin số {n}", body=body, body_bytes=encode(body),
                                  warning="Đầu vào chuẩn"))
    # Raw legacy bytes as command-line arguments (surrogate escapes under a UTF-8 locale).
    for n, (title, body) in enumerate(zip(TITLES[:3], BODIES[:3], strict=True)):
        for name, encode in (("tcvn3", tcvn3_bytes), ("vni", vni_bytes)):
            raw = {"title": encode(title).decode("utf-8", "surrogateescape"),
                   "body": encode(body).decode("utf-8", "surrogateescape")}
            cases.append(ItemCase(f"argv-{name}-{n}", raw, title=title, body=body,
                                  warning=CONVERTED, cli_only=True))
    cases.append(ItemCase("argv-bytes-priority", {"title": "T", "body": "b",
                                                  "priority": "g\udce2p\udcff"},
                          error="«priority»", cli_only=True))
    # Plain Unicode with symbols: unchanged, no warning.
    for n, text in enumerate(PLAIN):
        cases.append(ItemCase(f"plain-{n}", {"title": text, "body": text + "."},
                              title=text, body=text + "."))
    # Unclear encodings: refused with both readings.
    cases.append(ItemCase("unclear-short", {"title": as_latin1(tcvn3_bytes("Ủy")), "body": "x y"},
                          error="Không chắc văn bản dùng bảng mã nào"))
    cases.append(ItemCase("unreadable-signs", {
        "title": "Tin", "body": "¼¼¼ ½½½ ¾¾¾ ¼½¾ qwzj¼ qwzj½ ×xzq×x ÷f÷ ¾kk¾ ×f× ¼q½ §§ ¶¶¶"},
        error="bảng mã cũ"))
    # Values with nothing to read.
    for n, body in enumerate(["😀🎉🔥", "\u200b\u200c\u200d\ufeff", "👍🏽 ‼️ ✨", "… — !!! ???",
                              "\u2060\u2061 \u200e\u200f", "🇻🇳🇻🇳"]):
        cases.append(ItemCase(f"unreadable-body-{n}", {"title": "Tin", "body": body},
                              error="nội dung"))
    cases.append(ItemCase("unreadable-title", {"title": "🔔🔔", "body": "Có chữ."},
                          error="tiêu đề"))
    # Terminal escape sequences: removed whole, never read as numbers.
    for n, (dirty, clean) in enumerate([
        ("\x1b[31mKhẩn\x1b[0m cấp", "Khẩn cấp"), ("Họp\x1b[2J dân", "Họp dân"),
        ("\x1b]0;tiêu đề\x07Tin mới", "Tin mới"), ("Tin\x1b[1;32;40m tối", "Tin tối"),
        ("\x1bcMưa lớn", "Mưa lớn"), ("Gió\x9b33m mạnh", "Gió mạnh"),
    ]):
        cases.append(ItemCase(f"escape-{n}", {"title": dirty, "body": dirty + "."},
                              title=clean, body=clean + "."))
    # HTML and entities in titles: stripped at the door.
    for n, (dirty, clean) in enumerate([
        ("<b>Thông báo</b> khẩn", "Thông báo khẩn"), ("Mưa &amp; gió", "Mưa & gió"),
        ("&lt;i&gt;Họp&lt;/i&gt; dân", "Họp dân"), ("Tin <a href='x'>mới</a>", "Tin mới"),
        ("Lúa&nbsp;mùa", "Lúa mùa"), ("<script>x</script>Điện", "x Điện"),
    ]):
        cases.append(ItemCase(f"html-title-{n}", {"title": dirty, "body": "Nội dung."},
                              title=clean, body="Nội dung."))
    # Dates that cannot be.
    for n, (when, words) in enumerate([
        ("01/01/0001", "không hợp lý"), ("2026-12-31T25:99", "không tồn tại"),
        ("31/02/2026", "không tồn tại"), ("9999-01-01", "không hợp lý"),
        ("1899-12-31", "không hợp lý"), ("2026-13-01", "không tồn tại"),
        ("ngày mai", "không phải ngày"), ("2026-12-31T24:30", "không tồn tại"),
    ]):
        cases.append(ItemCase(f"date-{n}", {"title": "Tin", "body": "Có chữ.",
                                            "valid_from": when}, error=words))
    cases.append(ItemCase("date-with-time", {"title": "Tin giờ", "body": "Có chữ.",
                                             "valid_from": "2026-12-31T07:30"},
                          title="Tin giờ", body="Có chữ."))
    # Missing and too long.
    cases.append(ItemCase("no-title", {"title": "", "body": "Có chữ."}, error="tiêu đề"))
    cases.append(ItemCase("long-title", {"title": "a" * 301, "body": "b"}, error="tiêu đề dài"))
    cases.append(ItemCase("bad-priority", {"title": "T", "body": "b", "priority": "gấp"},
                          error="priority"))
    return cases


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def _file_cases() -> list[FileCase]:
    deep = "[" * 20_000 + "]" * 20_000
    big = "x " * 80_000
    return [
        FileCase("csv-unclosed-quote", "tin.csv",
                 _csv('title,body\nA,"Tin một\nB,Tin hai\nC,Tin ba\n'),
                 error="Dòng 2 của tin.csv: cột «body»: dấu ngoặc kép mở mà không đóng"),
        FileCase("csv-stray-quote", "tin.csv", _csv('title,body\nA,"Tin" một\n'),
                 error="Dòng 2 của tin.csv"),
        FileCase("csv-comma-with-semicolons", "tin.csv",
                 _csv("title,body\nHọp dân,Mang theo: giấy tờ; sổ hộ khẩu; ảnh; bút\n"
                      "Điện,Cắt điện; sửa chữa; đóng lại\n"),
                 titles=["Họp dân", "Điện"]),
        FileCase("csv-semicolon-with-commas", "tin.csv",
                 _csv("title;body;priority\nHọp dân;Tối nay, lúc 7 giờ, tại nhà văn hóa, thôn 3;"
                      "high\nMất điện;Sáng mai, từ 7 đến 11 giờ, các thôn 1, 2, 3;\n"),
                 titles=["Họp dân", "Mất điện"]),
        FileCase("csv-excel-cp1258-semicolon", "tin.csv",
                 cp1258_bytes("title;body\nThông báo lịch tiêm chủng;Trạm y tế xã, thôn 1, "
                              "thôn 2 tiêm vắc xin cho trẻ\n"),
                 titles=["Thông báo lịch tiêm chủng"], warning="Windows-1258"),
        FileCase("csv-tcvn3", "tin.csv",
                 tcvn3_bytes("title,body\nHọp dân,Tối nay họp dân tại nhà văn hóa thôn\n"),
                 titles=["Họp dân"], warning="TCVN3"),
        FileCase("csv-vni", "tin.csv",
                 vni_bytes("title,body\nMất điện,Ngày mai mất điện từ bảy giờ sáng\n"),
                 titles=["Mất điện"], warning="VNI"),
        FileCase("csv-huge-field", "tin.csv", _csv(f'title,body\nTo,"{big}"\n'),
                 error="dài quá giới hạn 20000"),
        FileCase("csv-long-body", "tin.csv", _csv(f"title,body\nTo,{'y ' * 15_000}\n"),
                 error="quá giới hạn 20000"),
        FileCase("csv-duplicate-column", "tin.csv", _csv("title,body,title\nA,b,C\n"),
                 error="cột «title» có hai lần"),
        FileCase("csv-extra-cells", "tin.csv", _csv("title,body\nA,b,c,d\n"),
                 error="Dòng 2 của tin.csv: thừa cột"),
        FileCase("csv-no-body-column", "tin.csv", _csv("tieu de,noi dung\nA,b\n"),
                 error="«title» và «body»"),
        FileCase("csv-bad-date-row", "tin.csv",
                 _csv("title,body,valid_from\nA,b,2026-01-01\nB,c,01/01/0001\n"),
                 error="Dòng 3 của tin.csv: trường «valid_from»"),
        FileCase("csv-utf16", "tin.csv",
                 "title\tbody\nMưa lớn\tBà con chú ý\n".encode("utf-16"), titles=["Mưa lớn"]),
        FileCase("csv-emoji-body-row", "tin.csv", _csv("title,body\nA,😀😀\n"),
                 error="Dòng 2 của tin.csv: nội dung («body»)"),
        FileCase("json-deep", "tin.json", deep.encode(), error="lồng ngoặc quá sâu"),
        FileCase("json-nan", "tin.json", b'[{"title": NaN, "body": "b"}]', error="NaN"),
        FileCase("json-infinity", "tin.json", b'[{"title": "A", "body": Infinity}]',
                 error="Infinity"),
        FileCase("json-not-list", "tin.json", b'{"title": "A", "body": "b"}',
                 error="danh sách"),
        FileCase("json-broken", "tin.json", b'[{"title": "A", "body": }]', error="dòng 1"),
        FileCase("json-title-list", "tin.json", b'[{"title": ["A"], "body": "b"}]',
                 error="phải là chữ"),
        FileCase("json-legacy-text", "tin.json", json.dumps(
            [{"title": as_latin1(tcvn3_bytes("Thông báo họp dân")), "body": "Tối nay họp."}],
            ensure_ascii=False).encode(), titles=["Thông báo họp dân"], warning=CONVERTED),
        FileCase("json-html-title", "tin.json",
                 json.dumps([{"title": "<b>Tin &amp; gió</b>", "body": "b"}]).encode(),
                 titles=["Tin & gió"]),
        FileCase("json-duplicate-rows", "tin.json", json.dumps(
            [{"title": "Họp", "body": "Tối nay."}, {"title": "họp", "body": "Tối nay"}],
            ensure_ascii=False).encode(), titles=["Họp", "họp"], warning="trùng"),
        FileCase("empty-file", "tin.csv", b"", error="dòng tiêu đề"),
    ]


ITEM_CASES = _item_cases()
FILE_CASES = _file_cases()
assert len(ITEM_CASES) + len(FILE_CASES) >= 100
