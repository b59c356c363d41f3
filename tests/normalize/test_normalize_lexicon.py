"""Lexicons: the built-in one, a station's own file, and how they merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletins.errors import NormalizeError
from bulletins.normalize import Lexicon, load_lexicon, normalize, to_spoken


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lexicon.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_has_the_reference_entries() -> None:
    lex = Lexicon.builtin()
    assert lex.get("UBND") == "Ủy ban nhân dân"
    assert lex.get("KT-XH") == "kinh tế - xã hội"
    assert len(lex) > 200


def test_station_file_overrides_builtin(tmp_path: Path) -> None:
    path = write(tmp_path, "# tên riêng của xã\nPleiku\tPờ-lây-cu\nIa Sol\tIa Xon\nUBND\tỦy ban\n")
    lex = load_lexicon(path)
    assert to_spoken("Về Pleiku, xã Ia Sol.", lex) == "Về Pờ-lây-cu, xã Ia Xon."
    assert to_spoken("UBND xã.", lex) == "Ủy ban xã."
    # whole words only, on mixed-case words
    assert to_spoken("Pleikuu và Pleiku.", lex) == "Pleikuu và Pờ-lây-cu."


def test_station_entry_for_an_unknown_acronym(tmp_path: Path) -> None:
    assert normalize("Dự án ABCD.").unknown == ["ABCD"]
    lex = load_lexicon(write(tmp_path, "ABCD\tcông ty A Bê\n"))
    result = normalize("Dự án ABCD.", lex)
    assert result.spoken == "Dự án công ty A Bê."
    assert result.unknown == []


def test_missing_file_means_builtin(tmp_path: Path) -> None:
    assert load_lexicon(tmp_path / "none.tsv").entries == Lexicon.builtin().entries
    assert load_lexicon(None).entries == Lexicon.builtin().entries


@pytest.mark.parametrize("bad", ["Pleiku Plây-cu\n", "Pleiku\t\n", "\tPlây-cu\n", "a\tb\tc\n"])
def test_malformed_line_names_file_and_line(tmp_path: Path, bad: str) -> None:
    path = write(tmp_path, "# ok\nIa Sol\tIa Xon\n" + bad)
    with pytest.raises(NormalizeError) as info:
        Lexicon.load(path)
    assert str(path) in info.value.message and "dòng 3" in info.value.message


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_bytes("Pleiku\tPlây-cu\n".encode("utf-16"))
    with pytest.raises(NormalizeError):
        Lexicon.load(path)


def test_merged_is_a_new_value() -> None:
    base = Lexicon({"A1": "một"})
    merged = base.merged(Lexicon({"A1": "hai", "B": "ba"}))
    assert base.get("A1") == "một" and merged.get("A1") == "hai" and "B" in merged


def test_longest_phrase_wins_and_words_stay_whole() -> None:
    lex = Lexicon.builtin().merged(Lexicon({"Ia": "I-a", "Ia Sol": "Ia Xon", "Sol": "Xôn"}))
    assert to_spoken("Xã Ia Sol, thôn Ia, làng Sol, Solar.", lex) == (
        "Xã Ia Xon, thôn I-a, làng Xôn, Solar.")
    assert to_spoken("XÃ IA SOL", lex) == "Xã Ia Xon"


def test_station_file_edits_keep_comments_order_and_refuse_bad_entries(tmp_path) -> None:
    from bulletins.normalize.lexicon import (
        delete_station_entry,
        save_station_entry,
        station_entries,
    )

    path = tmp_path / "lexicon.tsv"
    assert station_entries(path) == []
    path.write_bytes("\ufeff# đài Ia Hrú\nPleiku\tPlây-cu\nHTX\thtx\nHTX\thợp tác\n".encode())
    save_station_entry(path, "HTX", "hợp tác xã")  # also removes the duplicate line
    save_station_entry(path, "Ia Pếch", "Ia Pếch-ơ")
    save_station_entry(path, "Plei Ku", "Plây-cu", replaces="Pleiku")
    assert path.read_text("utf-8") == (
        "# đài Ia Hrú\nPlei Ku\tPlây-cu\nHTX\thợp tác xã\nIa Pếch\tIa Pếch-ơ\n")
    assert station_entries(path)[1] == ("HTX", "hợp tác xã")
    for written, spoken in (("", "x"), ("a\tb", "x"), ("#x", "x"), ("UBND", ""),
                            ("x" * 41, "x")):
        with pytest.raises(NormalizeError):
            save_station_entry(path, written, spoken)
    assert delete_station_entry(path, "HTX") and not delete_station_entry(path, "HTX")
    assert [k for k, _ in station_entries(path)] == ["Plei Ku", "Ia Pếch"]
    assert not list(tmp_path.glob("*.tmp"))
