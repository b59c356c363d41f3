"""The bad-input corpus through the command line: converted, or refused in Vietnamese."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletins.cli import main
from tests.bad_input_corpus import FILE_CASES, ITEM_CASES, FileCase, ItemCase


def run(args: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    """`bulletins ARGS` in this process, through the real entry point and its error handler."""
    runner = CliRunner(mix_stderr=False)
    with runner.isolation(input=stdin) as (out, err):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        return code, out.getvalue().decode(), err.getvalue().decode()


def listed() -> list[dict]:
    code, out, err = run(["news", "list", "--json"])
    assert code == 0, err
    return json.loads(out)


def _args(case: ItemCase) -> list[str]:
    args = ["news", "add"]
    for key, value in case.fields.items():
        args += [f"--{key.replace('_', '-')}", value]
    return args


@pytest.mark.parametrize("case", ITEM_CASES, ids=lambda c: c.id)
def test_item_case(case: ItemCase):
    code, out, err = run(_args(case), case.body_bytes or b"")
    assert "Traceback" not in out + err
    if case.error:
        assert code == 1, out
        assert err.startswith("Lỗi: ") and case.error.lower() in err.lower(), err
        assert listed() == []
        return
    assert code == 0, err
    (item,) = listed()
    assert (item["title"], item["body"]) == (case.title, case.body)
    if case.warning:
        assert "Cảnh báo: " in err and case.warning in err, err
    else:
        assert "Cảnh báo" not in err, err


@pytest.mark.parametrize("case", FILE_CASES, ids=lambda c: c.id)
def test_file_case(case: FileCase, tmp_path: Path):
    path = tmp_path / case.name
    path.write_bytes(case.data)
    code, out, err = run(["news", "import", str(path)])
    assert "Traceback" not in out + err
    if case.error:
        assert code == 1, out
        assert case.error.lower() in err.lower(), err
        assert listed() == []  # all or nothing: a bad row imports nothing
        return
    assert code == 0, err
    assert f"Đã nhập {len(case.titles)} tin" in out
    assert sorted(i["title"] for i in listed()) == sorted(case.titles)
    if case.warning:
        assert case.warning in err, err


def test_normalize_reads_legacy_bytes_on_standard_input():
    from tests.legacy_bytes import tcvn3_bytes, vni_bytes

    data = tcvn3_bytes("Họp dân lúc 7h30\nMất điện ngày 2/9\n")
    code, out, err = run(["normalize", "-"], data)
    assert code == 0, err
    assert out.splitlines() == ["Họp dân lúc bảy giờ ba mươi phút",
                                "Mất điện ngày mùng hai tháng chín"]
    assert "TCVN3" in err and "Cảnh báo" in err
    code, out, err = run(["normalize", vni_bytes("Xã họp dân").decode("utf-8", "surrogateescape")])
    assert (code, out.strip()) == (0, "Xã họp dân") and "VNI" in err


def test_normalize_drops_terminal_escapes_whole():
    code, out, err = run(["normalize", "\x1b[31mKhẩn\x1b[0m cấp \x1b[2J"])
    assert (code, out.strip()) == (0, "Khẩn cấp")


def test_duplicate_of_a_queued_item_warns_and_is_kept():
    first = run(["news", "add", "--title", "Họp dân", "--body", "Tối nay họp."])
    second = run(["news", "add", "--title", "HỌP DÂN", "--body", "Tối nay  họp"])
    assert first[0] == second[0] == 0
    assert "trùng với tin số 1" in second[2]
    assert len(listed()) == 2  # nothing an editor submitted is lost


def test_a_converted_legacy_item_is_still_checked_for_near_repeats(tmp_path):
    """An encoding warning does not hide a near duplicate; an exact repeat is named once."""
    body = "Từ ngày 25-11, Trạm Y tế xã Ia Hrú tiêm vắc xin sởi cho 1.200 trẻ em tại 4 điểm."
    assert run(["news", "add", "--title", "Tiêm", "--body", body])[0] == 0
    code, _, err = run(["news", "add", "--title", "Tiêm chủng",
                        "--body", as_latin1_tcvn3(body)])
    assert code == 0 and "Unicode" in err and "gần giống tin số 1" in err
    path = tmp_path / "tin.json"
    path.write_bytes(json.dumps([{"title": "Tiêm", "body": body}]).encode())
    code, _, err = run(["news", "import", str(path)])
    assert code == 0 and "trùng với tin số 1" in err and "gần giống" not in err
    path.write_bytes(json.dumps([{"title": "Tiêm phòng", "body": body},
                                 {"title": "Bão", "body": as_latin1_tcvn3("Bão số 9.")}]).encode())
    code, _, err = run(["news", "import", str(path)])
    assert code == 0 and "Unicode" in err and "Tin số 4: Cảnh báo: " in err


def as_latin1_tcvn3(text: str) -> str:
    from tests.legacy_bytes import as_latin1, tcvn3_bytes

    return as_latin1(tcvn3_bytes(text))
