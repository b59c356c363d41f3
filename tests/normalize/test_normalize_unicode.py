"""Rule 1: Unicode repair, tone placement and the legacy TCVN3/VNI encodings."""

from __future__ import annotations

import unicodedata

import pytest

from bulletins.errors import NormalizeError
from bulletins.normalize import normalize, to_spoken
from bulletins.normalize.unicode import (
    UNICODE_TO_TCVN3,
    VNI_TO_UNICODE,
    convert_legacy,
    fix_tone_placement,
    repair,
)

SENTENCE = ("Ủy ban nhân dân xã thông báo: bà con đồng bào các dân tộc tích cực phòng chống "
            "dịch bệnh, chăm sóc cây trồng, bảo vệ rừng và giữ gìn an ninh trật tự.")


def to_tcvn3(text: str) -> str:
    """Encode Unicode Vietnamese as TCVN3 read back through Latin-1 (as Word pastes arrive).
    Toned capitals do not exist in TCVN3, so they are lowered first."""
    out = []
    for c in unicodedata.normalize("NFC", text):
        if c not in UNICODE_TO_TCVN3 and c.lower() in UNICODE_TO_TCVN3 and not c.isascii():
            c = c.lower()
        out.append(UNICODE_TO_TCVN3.get(c, c))
    return "".join(out)


def to_vni(text: str) -> str:
    inverse = {v: k for k, v in VNI_TO_UNICODE.items() if len(v) == 1}
    return "".join(inverse.get(c, c) for c in unicodedata.normalize("NFC", text))


@pytest.mark.parametrize(("legacy", "unicode_text"), [
    ("Hµ Néi", "Hà Nội"),
    ("ViÖt Nam", "Việt Nam"),
    ("Uû ban nh©n d©n", "Ủy ban nhân dân"),
    ("§¶ng bé x· Ia Hró", "Đảng bộ xã Ia Hrú"),
    ("Hµ Néi lµ thñ ®« cña n­íc ViÖt Nam", "Hà Nội là thủ đô của nước Việt Nam"),
])
def test_known_tcvn3_strings(legacy: str, unicode_text: str) -> None:
    # Short samples are padded with TCVN3 text so the density test sees enough of it.
    padding = " " + to_tcvn3("Thông báo của ủy ban nhân dân xã về việc tiêm chủng")
    converted, encoding = convert_legacy(legacy + padding)
    assert encoding == "TCVN3"
    assert fix_tone_placement(converted).startswith(unicode_text)


def test_tcvn3_round_trip() -> None:
    legacy = to_tcvn3(SENTENCE)
    assert legacy != SENTENCE
    text, _, encoding = repair(legacy)
    assert encoding == "TCVN3"
    assert text == "ủy" + SENTENCE[2:]  # the toned capital Ủ comes back lowercase


def test_tcvn3_through_normalize_warns() -> None:
    result = normalize(to_tcvn3("Kế hoạch số 46-KH/TU của Ban thường vụ tỉnh ủy về tiêm chủng"))
    assert result.spoken.startswith("Kế hoạch số bốn mươi sáu")
    assert any("TCVN3" in w for w in result.warnings)
    assert any(c.rule == "unicode" for c in result.changes)


@pytest.mark.parametrize(("legacy", "unicode_text"), [
    ("Haø Noäi laø thuû ñoâ cuûa Vieät Nam", "Hà Nội là thủ đô của Việt Nam"),
    ("UÛy ban nhaân daân xaõ thoâng baùo", "Ủy ban nhân dân xã thông báo"),
])
def test_known_vni_strings(legacy: str, unicode_text: str) -> None:
    text, _, encoding = repair(legacy)
    assert encoding == "VNI"
    assert text == unicode_text


def test_vni_round_trip() -> None:
    legacy = to_vni(SENTENCE)
    text, _, encoding = repair(legacy)
    assert encoding == "VNI"
    assert text == SENTENCE


def test_unicode_text_is_left_alone() -> None:
    text = "Chào «bà con» © 2026 — thư của Ủy ban gửi bà con xã Ia Hrú"
    assert convert_legacy(text) == (text, None)


def test_unconvertible_legacy_text_is_refused() -> None:
    with pytest.raises(NormalizeError) as info:
        convert_legacy("¼¼¼ ½½½ ¾¾¾ ¼½¾ ¼¼ ½½ ¾¾ µµµ ¶¶¶ qwzj¼ qwzj½ ×xzq×x ÷f÷ ¾kk¾ ×f× ¼q½")
    assert "bảng mã" in info.value.message


def test_nfd_input() -> None:
    nfd = unicodedata.normalize("NFD", "Ủy ban nhân dân xã Ia Hrú thông báo lịch tiêm")
    assert nfd != unicodedata.normalize("NFC", nfd)
    assert to_spoken(nfd) == "Ủy ban nhân dân xã Ia Hơ-rú thông báo lịch tiêm"


@pytest.mark.parametrize(("new", "old"), [
    ("hoà", "hòa"), ("Hoà", "Hòa"), ("uỷ", "ủy"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"),
    ("hoá", "hóa"), ("loà", "lòa"), ("thuý", "thúy"), ("HOÀ", "HÒA"),
    ("quý", "quý"), ("hoàn", "hoàn"), ("tuyết", "tuyết"), ("khuỷu", "khuỷu"), ("hòa", "hòa"),
])
def test_tone_placement(new: str, old: str) -> None:
    assert fix_tone_placement(new) == old


def test_markup_removed_addresses_kept() -> None:
    # Web and e-mail addresses are read (ELECTRONIC), never dropped in silence.
    text, removed, _ = repair('<div><script>x=1</script>Tin <i>mới</i> 🌧 '
                              'tại https://a.vn/b?c=1 &amp; www.xa.gov.vn</div>')
    assert text.split() == ["Tin", "mới", "tại", "https://a.vn/b?c=1", "&", "www.xa.gov.vn"]
    assert "🌧" in removed
    assert to_spoken(text) == ("Tin mới tại a chấm vê en gạch chéo b và vê kép vê kép vê kép "
                               "chấm xa chấm gốp chấm vê en")


def test_control_and_zero_width_characters() -> None:
    assert to_spoken("Bà\u200b con\u0007 chú\u00adý.") == "Bà con chúý."
