"""Word files made here with python-docx, read back as the commune office's editor would."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml

from bulletins.cli import main
from bulletins.errors import QueueError
from bulletins.news import NewsQueue
from bulletins.normalize.unicode import UNICODE_TO_TCVN3, VNI_TO_UNICODE
from bulletins.sources.docx import read_docx

NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def to_tcvn3(text: str) -> str:
    return "".join(UNICODE_TO_TCVN3[c] if c in UNICODE_TO_TCVN3 else c for c in text)


def to_vni(text: str) -> str:
    back = {u: v for v, u in sorted(VNI_TO_UNICODE.items(), key=lambda kv: -len(kv[0]))}
    return "".join(back.get(c, c) for c in text)


def add_xml(paragraph, xml: str) -> None:  # noqa: ANN001
    paragraph._p.append(parse_xml(xml))


def office_document(path: Path) -> Path:
    doc = Document()
    doc.add_heading("Tiêm vắc xin sởi cho trẻ em", level=1)
    p = doc.add_paragraph("Trạm y tế xã tiêm vắc xin cho ")
    # Tracked changes: "1.200" inserted, "1.000" deleted; accepted means 1.200 only.
    add_xml(p, f'<w:del {NS} w:id="1" w:author="Văn phòng" w:date="2026-11-20T08:00:00Z">'
               '<w:r><w:delText>1.000 </w:delText></w:r></w:del>')
    add_xml(p, f'<w:ins {NS} w:id="2" w:author="Văn phòng" w:date="2026-11-20T08:00:00Z">'
               '<w:r><w:t xml:space="preserve">1.200 </w:t></w:r></w:ins>')
    p.add_run("trẻ em")
    # A footnote reference: its number is not read and the footnote text never comes in.
    add_xml(p, f'<w:r {NS}><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
               '<w:footnoteReference w:id="1"/></w:r>')
    p.add_run(" từ ngày ")
    # A DATE field: the instruction is hidden, the shown result is read.
    for xml in ('<w:r {ns}><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r {ns}><w:instrText xml:space="preserve"> DATE \\@ "d-M-yyyy" </w:instrText>'
                '</w:r>',
                '<w:r {ns}><w:fldChar w:fldCharType="separate"/></w:r>',
                '<w:r {ns}><w:t>25-11-2026</w:t></w:r>',
                '<w:r {ns}><w:fldChar w:fldCharType="end"/></w:r>'):
        add_xml(p, xml.format(ns=NS))
    p.add_run(".")
    legacy = doc.add_paragraph()
    run = legacy.add_run(to_tcvn3("Đề nghị các gia đình đưa trẻ đến trạm đúng giờ."))
    run.font.name = ".VnTime"
    vni = legacy.add_run(" " + to_vni("Trẻ phải mang theo sổ tiêm chủng."))
    vni.font.name = "VNI-Times"
    doc.add_paragraph("Lịch tiêm:")
    table = doc.add_table(rows=4, cols=2)
    for r, (a, b) in enumerate([("Thôn", "Ngày"), ("Plei Ring", "25-11"),
                                ("Plei Bông", "26-11")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    merged = table.cell(3, 0).merge(table.cell(3, 1))
    merged.text = "Làng Dơng tiêm bổ sung"
    doc.add_paragraph("Trẻ em tiêm vắc xin sởi tại trạm y tế. Ảnh: Hoàng Mai")
    # A content control (w:sdt) around a paragraph, as Word templates make.
    doc.element.body.insert(len(doc.element.body) - 1, parse_xml(
        f'<w:sdt {NS}><w:sdtPr><w:alias w:val="Ghi chú"/></w:sdtPr><w:sdtContent><w:p><w:r>'
        '<w:t>Liên hệ trạm y tế xã để biết thêm.</w:t></w:r></w:p></w:sdtContent></w:sdt>'))
    doc.add_heading("Khai trương chợ nông sản", level=1)
    doc.add_paragraph("Sáng 24-11, xã khai trương chợ nông sản với 40 gian hàng.")
    doc.save(path)
    return path


def test_each_headed_piece_becomes_a_clean_item(tmp_path: Path) -> None:
    pieces = read_docx(office_document(tmp_path / "tin.docx"))
    assert [p.title for p in pieces] == ["Tiêm vắc xin sởi cho trẻ em",
                                         "Khai trương chợ nông sản"]
    first = pieces[0].body
    assert "Trạm y tế xã tiêm vắc xin cho 1.200 trẻ em từ ngày 25-11-2026." in first
    assert "1.000" not in first and "DATE" not in first
    # The TCVN3 and VNI runs converted by their fonts.
    assert ("Đề nghị các gia đình đưa trẻ đến trạm đúng giờ. "
            "Trẻ phải mang theo sổ tiêm chủng.") in first
    # Row by row; a merged cell read once.
    assert ("Thôn, Ngày.\n\nPlei Ring, 25-11.\n\nPlei Bông, 26-11.\n\n"
            "Làng Dơng tiêm bổ sung.") in first
    assert "Ảnh" not in first  # caption dropped
    assert first.endswith("Liên hệ trạm y tế xã để biết thêm.")  # inside a content control
    assert pieces[1].body == "Sáng 24-11, xã khai trương chợ nông sản với 40 gian hàng."


def test_a_document_without_headings_is_one_item_titled_by_its_first_line(
        tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("Thông báo lịch cắt điện")
    doc.add_paragraph("Ngày 28-11, điện lực cắt điện thôn Plei Ring từ 7 giờ đến 11 giờ.")
    doc.save(tmp_path / "tb.docx")
    (piece,) = read_docx(tmp_path / "tb.docx")
    assert piece.title == "Thông báo lịch cắt điện"
    assert piece.body.startswith("Ngày 28-11, điện lực cắt điện")


def test_cli_import_docx_queues_items_and_warns_on_repeat(tmp_path: Path, settings,
                                                          capsys: pytest.CaptureFixture) -> None:
    path = office_document(tmp_path / "tin.docx")
    main(["news", "import", str(path)])
    out = capsys.readouterr()
    assert "Đã nhập 2 tin" in out.out
    items = NewsQueue(settings).list(status="queued")
    assert {i.title for i in items} == {"Tiêm vắc xin sởi cho trẻ em", "Khai trương chợ nông sản"}
    main(["news", "import", str(path)])
    assert "gần giống tin số" in capsys.readouterr().err


def test_not_a_word_file_is_a_clear_message(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    bad = tmp_path / "hong.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(QueueError, match="không phải tệp Word"):
        read_docx(bad)
    old = tmp_path / "cu.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(SystemExit) as done:
        main(["news", "import", str(old)])
    assert done.value.code == 1
    assert "Word cũ (.doc)" in capsys.readouterr().err
