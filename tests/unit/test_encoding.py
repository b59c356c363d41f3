"""Legacy encodings: TCVN3 and VNI found in bytes and in mis-decoded text, by syllable score."""

from __future__ import annotations

import unicodedata

import pytest

from bulletins.encoding import decode_bytes, fix_argument, fix_text, is_syllable
from bulletins.errors import LegacyEncodingError
from tests.legacy_bytes import as_cp1258, as_latin1, cp1258_bytes, tcvn3_bytes, vni_bytes

TEXTS = [
    "Thông báo",
    "Họp dân",
    "Mất điện",
    "Lịch tiêm chủng vắc xin tại xã",
    "Ủy ban nhân dân xã thông báo lịch cắt điện ngày mai",
    "Bà con chú ý phòng chống bão số 9, gia cố nhà cửa trước khi gió mạnh",
    "THÔNG BÁO KHẨN",
    "Đường liên thôn bị sạt lở, người dân không đi qua",
]


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _expected(text: str, encoding: str) -> str:
    # TCVN3 has no toned capitals: "Ủy" comes back "ủy" (all-caps words are restored).
    if encoding == "TCVN3":
        return " ".join(w if w.isupper() and len(w) > 1 else
                        (w if w[0] in "ĐĂÂÊÔƠƯ" or w[0].isascii() else w[0].lower() + w[1:])
                        for w in text.split(" "))
    return text


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize(("encoding", "encode"), [("TCVN3", tcvn3_bytes), ("VNI", vni_bytes)])
@pytest.mark.parametrize("route", ["bytes", "latin-1 text", "cp1258 text", "argument"])
def test_legacy_is_found_on_every_route(text, encoding, encode, route):
    data = encode(text)
    if route == "bytes":
        decoded = decode_bytes(data)
    elif route == "latin-1 text":
        decoded = fix_text(as_latin1(data))
    elif route == "cp1258 text":
        try:
            seen = as_cp1258(data)
        except UnicodeDecodeError:
            pytest.skip("these bytes are not all defined in Windows-1258")
        decoded = fix_text(seen)
    else:  # raw bytes on the command line arrive as surrogate escapes
        decoded = fix_argument(data.decode("utf-8", "surrogateescape"))
    assert decoded.encoding == encoding
    assert decoded.text == _expected(text, encoding)
    warning = decoded.warning("Tiêu đề")
    assert warning and "đã được chuyển sang Unicode" in warning and encoding in warning


@pytest.mark.parametrize("text", TEXTS[3:])
def test_windows_1258_bytes_from_excel_are_read(text):
    decoded = decode_bytes(cp1258_bytes(text))
    assert decoded.encoding == "cp1258"
    assert _nfc(decoded.text) == text


@pytest.mark.parametrize("text", [
    "Bản quyền © 2026 Đài truyền thanh xã",
    "Nhãn hiệu ® của hợp tác xã",
    "Kích thước hạt bụi 2,5 µm trong không khí",
    "Ruộng 10 × 20 m, giá 5 · 10 nghìn đồng",
    "© ® µ × · ° ±",
    "5 µm",
    "Café Müller, naïve, Zürich, año",
    "Chào «bà con» — thư của Ủy ban",
    "Ha Noi 2026",
])
def test_plain_unicode_with_symbols_is_left_alone(text):
    decoded = fix_text(text)
    assert (decoded.text, decoded.encoding) == (text, None)
    assert decode_bytes(text.encode("utf-8")).text == text


def test_unclear_text_is_refused_with_both_readings():
    # "ñy" is "ủy" in TCVN3 and "đy" in VNI: one short word cannot tell them apart.
    with pytest.raises(LegacyEncodingError) as info:
        fix_text(as_latin1(tcvn3_bytes("Ủy")))
    names = [name for name, _ in info.value.readings]
    assert names == ["TCVN3", "VNI"] or names == ["VNI", "TCVN3"]
    assert "ủy" in info.value.message and "đy" in info.value.message


def test_text_thick_with_signs_no_table_reads_is_refused():
    with pytest.raises(LegacyEncodingError, match="bảng mã"):
        fix_text("¼¼¼ ½½½ ¾¾¾ ¼½¾ qwzj¼ qwzj½ ×xzq×x ÷f÷ ¾kk¾ ×f× ¼q½ §§ ¶¶¶")


@pytest.mark.parametrize(("word", "ok"), [
    ("hóa", True), ("hoá", True), ("quý", True), ("giữ", True), ("người", True),
    ("khuỷu", True), ("THÔNG", True), ("bác", True), ("bac", False), ("xaị", False),
    ("cuả", False), ("häp", False), ("d©n", False), ("lừng", True), ("ngòai", False),
])
def test_syllable_structure(word, ok):
    assert is_syllable(word) is ok
