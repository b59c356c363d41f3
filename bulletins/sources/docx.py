"""Word documents (.docx) → pieces: one per headed piece, or one for the whole document.

python-docx opens the package and gives paragraphs, tables and styles in document order.
Its `Paragraph.text` reads only direct runs, so tracked insertions (w:ins) would be lost
and field codes would leak; the runs of each paragraph are therefore walked here: inserted
text kept, deleted text (w:del, w:moveFrom) dropped, field instructions skipped (their
shown result kept), footnote references dropped (the footnotes part is never read). Runs
set in a legacy font (.VnTime… = TCVN3, VNI-… = VNI) are converted by the font's table.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import QueueError
from ..normalize.unicode import TCVN3_TO_UNICODE, VNI_TO_UNICODE
from .clean import Piece, drop_furniture

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TCVN3 = str.maketrans(TCVN3_TO_UNICODE)
_VNI_RE = re.compile("|".join(sorted(map(re.escape, VNI_TO_UNICODE), key=len, reverse=True)))
_SKIP_CONTAINERS = {f"{W}del", f"{W}moveFrom", f"{W}instrText", f"{W}delInstrText"}
_HEADING_STYLE = re.compile(r"^(heading|tiêu đề|đề mục)\s*(\d)$", re.I)


def legacy_font(name: str) -> str | None:
    """"TCVN3" for the ABC fonts (.VnTime, .VnArial, .VnTimeH …), "VNI" for VNI-*, else None."""
    n = name.strip().lower()
    if n.startswith(".vn") or n.startswith("vn3") or n.startswith("abc"):
        return "TCVN3"
    if n.startswith("vni-") or n.startswith("vni "):
        return "VNI"
    return None


def convert_run(text: str, font: str) -> str:
    kind = legacy_font(font)
    if kind == "TCVN3":
        out = text.translate(_TCVN3)
        # ".VnTimeH" and friends are capital fonts: the same codes, drawn as capitals.
        return out.upper() if font.strip().lower().rstrip().endswith("h") else out
    if kind == "VNI":
        return _VNI_RE.sub(lambda m: VNI_TO_UNICODE[m.group()], text)
    return text


def _run_font(run) -> str:  # noqa: ANN001 - an lxml element
    rpr = run.find(f"{W}rPr")
    fonts = rpr.find(f"{W}rFonts") if rpr is not None else None
    if fonts is None:
        return ""
    for attr in ("ascii", "hAnsi", "cs"):
        value = fonts.get(f"{W}{attr}")
        if value:
            return value
    return ""


def paragraph_text(p, default_font: str = "") -> str:  # noqa: ANN001 - a CT_P element
    """The paragraph as Word shows it with all changes accepted and field codes hidden."""
    parts: list[str] = []
    field_depth = 0  # inside fldChar begin … separate: the instruction, not shown
    hidden: list[bool] = []

    def walk(el) -> None:  # noqa: ANN001
        nonlocal field_depth
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP_CONTAINERS:
                continue
            if tag == f"{W}pPr" or tag == f"{W}rPr":
                continue  # paragraph-mark revisions live here; they hold no text
            if tag == f"{W}fldChar":
                kind = child.get(f"{W}fldCharType")
                if kind == "begin":
                    hidden.append(True)
                elif kind == "separate" and hidden:
                    hidden[-1] = False
                elif kind == "end" and hidden:
                    hidden.pop()
                continue
            if tag == f"{W}r":
                font = _run_font(child) or default_font
                for sub in child:
                    if any(hidden):
                        if sub.tag == f"{W}fldChar":
                            walk([sub])
                        continue
                    if sub.tag == f"{W}t":
                        parts.append(convert_run(sub.text or "", font))
                    elif sub.tag in (f"{W}tab", f"{W}ptab"):
                        parts.append(" ")
                    elif sub.tag in (f"{W}br", f"{W}cr"):
                        parts.append("\n")
                    elif sub.tag == f"{W}noBreakHyphen":
                        parts.append("-")
                    elif sub.tag == f"{W}fldChar":
                        walk([sub])
                continue
            if tag == f"{W}fldSimple":
                walk(child)  # the shown result of a simple field
                continue
            walk(child)  # w:ins, w:moveTo, w:hyperlink, w:smartTag, w:sdt/w:sdtContent …

    walk(p)
    return "".join(parts)


@dataclass(frozen=True)
class _Block:
    text: str
    level: int = 0  # heading level, 0 for body text


def _style_font(style) -> str:  # noqa: ANN001
    while style is not None:
        try:
            name = style.font.name
        except AttributeError:
            name = None
        if name:
            return name
        style = style.base_style
    return ""


def _heading_level(paragraph) -> int:  # noqa: ANN001
    style = paragraph.style
    while style is not None:
        name = (style.name or "").strip()
        if name.lower() == "title":
            return 1
        m = _HEADING_STYLE.match(name)
        if m:
            return int(m.group(2)) + 1
        style = style.base_style
    return 0


def _blocks(doc) -> list[_Block]:  # noqa: ANN001
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    default_font = _style_font(doc.styles["Normal"]) if "Normal" in doc.styles else ""
    out: list[_Block] = []

    def para(p: Paragraph) -> str:
        return paragraph_text(p._p, _style_font(p.style) or default_font)

    def table(t: Table) -> None:
        # Read row by row: a row's cells joined as one spoken line.
        for row in t.rows:
            cells: list[str] = []
            last = None
            for cell in row.cells:
                if cell._tc is last:
                    continue  # a merged cell repeats; read it once
                last = cell._tc
                text = " ".join(" ".join(para(p).split()) for p in cell.paragraphs).strip()
                for inner in cell.tables:
                    table(inner)
                if text:
                    cells.append(text.rstrip(".;,"))
            if cells:
                out.append(_Block(", ".join(cells) + "."))

    def body(parent) -> None:  # noqa: ANN001 - the body element or a content control's
        # Walked by hand, not `iter_inner_content()`: that skips paragraphs inside content
        # controls (w:sdt) and custom XML, which Word templates put whole articles in.
        for child in parent:
            if child.tag == f"{W}p":
                block = Paragraph(child, doc._body)
                lines = (" ".join(ln.split()) for ln in para(block).split("\n"))
                text = "\n".join(ln for ln in lines if ln)
                if text:
                    out.append(_Block(text, _heading_level(block)))
            elif child.tag == f"{W}tbl":
                table(Table(child, doc._body))
            elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
                body(child)

    body(doc.element.body)
    return out


def _title_of(text: str) -> str:
    title = " ".join(text.split()).rstrip(".:;")
    return title if len(title) <= 300 else title[:297].rsplit(" ", 1)[0] + "…"


def _split(blocks: list[_Block]) -> list[Piece]:
    levels = [b.level for b in blocks if b.level]
    top = min(levels) if levels else 0
    heads = [i for i, b in enumerate(blocks) if top and b.level == top]
    pieces: list[tuple[str, list[str]]] = []
    if len(heads) >= 2:
        pre = [b.text for b in blocks[:heads[0]]]
        for n, h in enumerate(heads):
            end = heads[n + 1] if n + 1 < len(heads) else len(blocks)
            pieces.append((blocks[h].text, [b.text for b in blocks[h + 1:end]]))
        if len(pre) > 2:  # a real story before the first heading, not a letterhead
            pieces.insert(0, (pre[0], pre[1:]))
    elif len(heads) == 1:
        h = heads[0]
        pieces.append((blocks[h].text, [b.text for b in blocks if b is not blocks[h]]))
    elif blocks:
        first = blocks[0].text
        if len(first) > 300 and len(blocks) == 1:
            pieces.append((first.split(". ")[0], [first]))
        else:
            pieces.append((first, [b.text for b in blocks[1:]]))
    out = []
    for title, body_lines in pieces:
        body = drop_furniture("\n\n".join(body_lines))
        if body.strip():
            # No source_ref: offices reuse file names ("tin.docx") for new news every week;
            # a repeated Word text is caught by the near-duplicate warning instead.
            out.append(Piece(_title_of(title), body))
    return out


def read_docx(data: bytes | Path, name: str = "") -> list[Piece]:
    """The pieces of a Word document (bytes or a path); `name` is used in messages."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if isinstance(data, Path):
        name = name or data.name
        try:
            data = data.read_bytes()
        except OSError as exc:
            raise QueueError(f"Không đọc được tệp {name}.", detail=str(exc)) from exc
    name = name or "tệp Word"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise QueueError(f"Tệp {name} là tệp Word cũ (.doc) hoặc có mật khẩu, chưa đọc được.",
                         "Mở tệp bằng Word và chọn Lưu thành (Save As) dạng .docx.")
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = _blocks(document)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise QueueError(f"Tệp {name} không phải tệp Word (.docx) hợp lệ.",
                         "Mở tệp bằng Word và lưu lại dạng .docx.", detail=str(exc)) from exc
    pieces = _split(blocks)
    if not pieces:
        raise QueueError(f"Tệp {name} không có nội dung nào để nhập.")
    return pieces
