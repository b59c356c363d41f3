"""`bulletins normalize --explain`: each token's class, the context that decided, the reading."""

from __future__ import annotations

from click.testing import CliRunner

from bulletins.cli import Context, cli


def test_explain_prints_class_evidence_and_reading(tmp_path) -> None:
    (tmp_path / "lexicon.tsv").write_text("Ia Pếch\tIa Pếch-ơ\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["--home", str(tmp_path), "normalize", "--explain",
                                 "Chủ nhật 7/12, xã Ia Pếch gọi 113; 2/3 số hộ"],
                           obj=Context(None), catch_exceptions=False)
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0] == ("DATE         «7/12» → «mùng bảy tháng mười hai»  "
                        "(ngày/tháng sau «Chủ nhật»)")
    assert lines[1].startswith("WHITELIST    «Ia Pếch» → «Ia Pếch-ơ»")  # the station lexicon
    assert lines[2].startswith("TELEPHONE    «113» → «một một ba»") and "«gọi»" in lines[2]
    assert lines[3].startswith("FRACTION     «2/3» → «hai phần ba»") and "«số»" in lines[3]
    assert lines[-1] == ("→ Chủ nhật mùng bảy tháng mười hai, xã Ia Pếch-ơ gọi một một ba; "
                         "hai phần ba số hộ")
