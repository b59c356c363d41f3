"""The abbreviation lexicon as a class: one reading per key across the built-in files,
readings that depend on context (the fifth and seventh fresh sets, dense in abbreviations,
are regression sets in test_normalize_corpus.py)."""

from __future__ import annotations

import pytest

from bulletins.normalize import Lexicon, to_spoken
from bulletins.normalize.lexicon import _BUILTIN_FILES, parse_tsv, read_data


def test_no_key_is_in_two_builtin_files() -> None:
    # A key in two files reads by whichever loads last: VNeID once had two readings.
    where: dict[str, str] = {}
    clashes = []
    for name in _BUILTIN_FILES:
        for key in parse_tsv(read_data(name), name):
            if key in where:
                clashes.append((key, where[key], name))
            where[key] = name
    assert not clashes


def test_lexicon_grew_by_several_hundred() -> None:
    assert len(Lexicon.builtin()) >= 1100


@pytest.mark.parametrize(("written", "spoken"), [
    # CV after a count of documents is "công văn"; after a machine or engine, horsepower.
    ("Xã gửi 3 CV đề nghị hỗ trợ.", "Xã gửi ba công văn đề nghị hỗ trợ."),
    ("Tàu có công suất 400 CV.", "Tàu có công suất bốn trăm mã lực."),
    ("Máy cày loại 12 CV.", "Máy cày loại mười hai mã lực."),
    # BCH: the party's executive committee, or a military/disaster command.
    ("BCH Đảng bộ xã họp.", "Ban Chấp hành Đảng bộ xã họp."),
    ("BCH BĐBP tỉnh tuần tra.", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh tuần tra."),
    ("BCH PCTT xã trực ban.", "Ban Chỉ huy phòng chống thiên tai xã trực ban."),
    # Departments whose short names are ambiguous alone.
    ("Phòng NV huyện và GV-NV nhà trường.",
     "Phòng Nội vụ huyện và giáo viên, nhân viên nhà trường."),
    ("Sở TC và trường TC nghề.", "Sở Tài chính và trường trung cấp nghề."),
    ("Bộ QP và Bộ CA.", "Bộ Quốc phòng và Bộ Công an."),
    ("Mưa ở NTB và TN.", "Mưa ở Nam Trung Bộ và Tây Nguyên."),
    ("TTCP ký quyết định; TTCP thanh tra dự án.",
     "Thủ tướng Chính phủ ký quyết định; Thanh tra Chính phủ thanh tra dự án."),
    # Programmes known by their number.
    ("Chương trình 1719 và Chương trình 135.",
     "Chương trình mười bảy mười chín và Chương trình một trăm ba mươi lăm."),
    ("Đề án 06 về dân cư.", "Đề án không sáu về dân cư."),
    # CĐ: a college after "trường", a trade union before "ngành" or after "Chủ tịch".
    ("Trường CĐ Y tế; CĐ ngành Giáo dục; Chủ tịch CĐ xã.",
     "Trường cao đẳng Y tế; Công đoàn ngành Giáo dục; Chủ tịch Công đoàn xã."),
    ("TP Pleiku và TP Tư pháp.", "Thành phố Plây-cu và Trưởng phòng Tư pháp."),
    # Keys with a second meaning in one field: interest rates, hepatitis C, enterprises.
    ("Giảm LS cho vay; LS. Trần Hùng bào chữa.",
     "Giảm lãi suất cho vay; luật sư Trần Hùng bào chữa."),
    ("Xét nghiệm HCV; VĐV giành 2 HCV.",
     "Xét nghiệm hát xê vê; vận động viên giành hai huy chương vàng."),
    ("XN Thủy lợi huyện; làm XN cho 50 người.",
     "Xí nghiệp Thủy lợi huyện; làm xét nghiệm cho năm mươi người."),
    # TT: a town after the bodies that govern it or in a list of communes, a centre before
    # its field, the standing committee before a council.
    ("UBND TT Phú Thiện; các xã, phường, TT; TT Y tế huyện; TT HĐND.",
     "Ủy ban nhân dân thị trấn Phú Thiện; các xã, phường, thị trấn; Trung tâm Y tế huyện; "
     "Thường trực Hội đồng nhân dân."),
    # "P." and "Q." before a title are deputy and acting, before a name a ward and a district.
    ("Ông A, P.Chủ tịch UBND xã; bà B, Q. Giám đốc Sở; P.Ia Kring.",
     "Ông A, Phó Chủ tịch Ủy ban nhân dân xã; bà B, Quyền Giám đốc Sở; phường Ia Kring."),
])
def test_context_decides_the_reading(written: str, spoken: str) -> None:
    assert to_spoken(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    # A chain of titles: the last dot marks the abbreviation, not a sentence end.
    ("PGS.TS. Lê An và GS.TS.BS. Hà Bình dự.",
     "Phó giáo sư, Tiến sĩ Lê An và Giáo sư, Tiến sĩ, Bác sĩ Hà Bình dự."),
    ("ThS.KTS. Võ Thành thiết kế.", "Thạc sĩ, Kiến trúc sư Võ Thành thiết kế."),
    # A lexicon key with a dot inside is neither a place prefix nor a missing space.
    ("T.Ư Đoàn và Th.S Lê An.", "Trung ương Đoàn và Thạc sĩ Lê An."),
    ("Ông Lê Văn T. Ông ấy về.", "Ông Lê Văn T. Ông ấy về."),
    # Letters and notices; engine capacity after a number or a quantity word.
    ("V/v họp; K/g: UBND xã; thu 5 tr.đ.",
     "Về việc họp; Kính gửi: Ủy ban nhân dân xã; thu năm triệu đồng."),
    ("Xe máy 50cc, hàng chục cc.", "Xe máy năm mươi phân khối, hàng chục phân khối."),
    # A slash between two names is a list.
    ("HĐND/UBND xã.", "Hội đồng nhân dân, Ủy ban nhân dân xã."),
    # An expansion that begins with the words just said is not said twice.
    ("Hiệp định EVFTA và Ban BQL dự án.",
     "Hiệp định Thương mại tự do Việt Nam - Liên minh châu Âu và Ban Quản lý dự án."),
    # Capitals without a tone mark among lowercase words are an acronym, in a headline a word.
    ("Xã ứng dụng AI; hệ thống TAN mới.", "Xã ứng dụng ây-ai; hệ thống tê a en-nờ mới."),
    ("BẢO ĐẢM AN NINH, TIN VẮN", "Bảo đảm an ninh, tin vắn"),
    # Keys that are plain words in a headline: "THỨ TƯ" is Wednesday, not the Central Committee.
    ("THỨ TƯ: AI CŨNG ĐƯỢC TU BỔ ĐA DẠNG", "Thứ tư: ai cũng được tu bổ đa dạng"),
    ("Nghị quyết TƯ 5; ỨNG DỤNG AI", "Nghị quyết Trung ương năm; ứng dụng ây-ai"),
])
def test_abbreviation_tagger(written: str, spoken: str) -> None:
    assert to_spoken(written) == spoken

