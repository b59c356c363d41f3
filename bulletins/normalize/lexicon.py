"""Lexicons: "written<TAB>spoken" files, the built-in one and a station's own.

Entries are case-sensitive and match whole words. Two kinds are applied differently:
- *tokens* (abbreviations: UBND, KT-XH, TTg, TP., Đ/c) are looked up word by word after the
  numbers are read, with compounds split on - & /;
- *phrases* (anything holding a lowercase-only word, a digit or a space: "Pleiku",
  "Ia Hrú", "COVID-19") are replaced first, before numbers, so "COVID-19" stays whole.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

from ..errors import NormalizeError

# Domain files first: the general abbreviations.tsv and names.tsv win on a shared key.
DOMAIN_FILES = ("abbr_law.tsv", "abbr_economy.tsv", "abbr_health.tsv", "abbr_education.tsv",
                "abbr_security.tsv", "abbr_regions.tsv", "abbr_state.tsv", "abbr_world.tsv")
_BUILTIN_FILES = (*DOMAIN_FILES, "abbreviations.tsv", "names.tsv")


def parse_tsv(text: str, source: str) -> dict[str, str]:
    """Parse "written<TAB>spoken" lines; # starts a comment line; blank lines are skipped."""
    entries: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFC", raw.rstrip("\r\n"))
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise NormalizeError(
                f"Tệp từ điển {source}, dòng {number}: không đúng dạng «chữ viết<TAB>cách đọc».",
                "Mỗi dòng gồm chữ viết, một dấu TAB, rồi cách đọc; dòng bắt đầu bằng # là ghi chú.",
                detail=f"{source}:{number}: {raw!r}",
            )
        entries[parts[0].strip()] = parts[1].strip()
    return entries


def read_data(name: str) -> str:
    return resources.files("bulletins.normalize").joinpath("data", name).read_text("utf-8")


def is_token_key(key: str) -> bool:
    """Abbreviation-like keys (UBND, TTg, ThS, TP., Đ/c, KH&CN) go to the token pass."""
    if any(c.isdigit() or c.isspace() for c in key) or not key[0].isupper():
        return False
    return sum(1 for c in key if c.isupper()) >= 2 or any(c in "./&" for c in key)


@dataclass(frozen=True)
class Lexicon:
    """An immutable written → spoken mapping. `merged` returns a new Lexicon."""

    entries: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    @classmethod
    def builtin(cls) -> Lexicon:
        return _builtin()

    @classmethod
    def load(cls, path: Path | str) -> Lexicon:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NormalizeError(
                f"Tệp từ điển {p} không phải văn bản UTF-8.",
                "Hãy lưu tệp ở dạng văn bản Unicode (UTF-8).",
            ) from exc
        except OSError as exc:
            raise NormalizeError(f"Không đọc được tệp từ điển {p}.", detail=str(exc)) from exc
        return cls(parse_tsv(text, str(p)), (str(p),))

    def merged(self, other: Lexicon) -> Lexicon:
        """`other`'s entries override ours (a station's file over the built-in lexicon)."""
        return Lexicon({**self.entries, **other.entries}, self.sources + other.sources)

    def get(self, written: str) -> str | None:
        return self.entries.get(written)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, written: object) -> bool:
        return written in self.entries

    @cached_property
    def phrases(self) -> dict[str, str]:
        return {k: v for k, v in self.entries.items() if not is_token_key(k)}

    @cached_property
    def tokens(self) -> dict[str, str]:
        return {k: v for k, v in self.entries.items() if is_token_key(k)}

    @cached_property
    def capital_names(self) -> tuple[str, ...]:
        """Entries starting with a capital TCVN3 cannot write (toned vowel), longest first:
        the names `capitals.restore_capitals` can put right after a conversion."""
        names = [k for k in self.entries
                 if k[:1].isupper() and k[:1].lower() in _TONED_VOWELS]
        return tuple(sorted(names, key=len, reverse=True))

    @cached_property
    def phrases_folded(self) -> dict[str, str]:
        """Phrase entries by lowercase key, so "PLEIKU" in a headline still matches."""
        return {k.lower(): v for k, v in self.phrases.items()}

    @cached_property
    def phrase_index(self) -> dict[str, list[tuple[str, str]]]:
        """Phrase entries by their first word, lowercased; longest entry first.

        Matching looks up each word of the text here instead of trying one big alternation
        at every position: a station lexicon of hundreds of names stays fast."""
        index: dict[str, list[tuple[str, str]]] = {}
        for key, spoken in self.phrases.items():
            first = _FIRST_WORD_RE.match(key)
            index.setdefault(first.group().lower() if first else "", []).append((key, spoken))
        for candidates in index.values():
            candidates.sort(key=lambda kv: len(kv[0]), reverse=True)
        return index


_FIRST_WORD_RE = re.compile(r"\w+")
_TONED_VOWELS = set("áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


_BUILTIN: Lexicon | None = None


def _builtin() -> Lexicon:
    global _BUILTIN
    if _BUILTIN is None:
        entries: dict[str, str] = {}
        for name in _BUILTIN_FILES:
            entries.update(parse_tsv(read_data(name), f"bulletins/normalize/data/{name}"))
        _BUILTIN = Lexicon(entries, ("builtin",))
    return _BUILTIN


def load_lexicon(home_lexicon_path: Path | None) -> Lexicon:
    """The built-in lexicon, merged with the station's file when it exists."""
    lexicon = Lexicon.builtin()
    if home_lexicon_path is not None and Path(home_lexicon_path).is_file():
        lexicon = lexicon.merged(Lexicon.load(home_lexicon_path))
    return lexicon


# --- the station's own lexicon file, edited on the web ---

_KEY_RE = re.compile(r"[^\t\r\n]{1,40}")
_VALUE_RE = re.compile(r"[^\t\r\n]{1,200}")


def station_entries(path: Path) -> list[tuple[str, str]]:
    """The station file's entries in file order (an absent file has none)."""
    if not Path(path).is_file():
        return []
    return list(Lexicon.load(path).entries.items())


def _check_entry(written: str, spoken: str) -> tuple[str, str]:
    written = unicodedata.normalize("NFC", written.strip())
    spoken = unicodedata.normalize("NFC", spoken.strip())
    if not _KEY_RE.fullmatch(written) or written.startswith("#"):
        raise NormalizeError("Chữ viết không hợp lệ.",
                             "Viết 1–40 ký tự, không có dấu TAB, không bắt đầu bằng #.")
    if not _VALUE_RE.fullmatch(spoken):
        raise NormalizeError("Cách đọc không hợp lệ.", "Viết 1–200 ký tự, không có dấu TAB.")
    return written, spoken


def _rewrite(path: Path, lines: list[str]) -> None:
    """Write the whole file at once (temp file + rename): a crash leaves the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    os.replace(tmp, path)


def _file_lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return path.read_text(encoding="utf-8-sig").splitlines()


def _key_of(line: str) -> str | None:
    if not line.strip() or line.lstrip().startswith("#") or "\t" not in line:
        return None
    return unicodedata.normalize("NFC", line.split("\t", 1)[0].strip())


def save_station_entry(path: Path, written: str, spoken: str,
                       replaces: str | None = None) -> None:
    """Add `written → spoken`, or change the entry `replaces` (or `written`) in place;
    comments and the order of other entries are kept."""
    path = Path(path)
    written, spoken = _check_entry(written, spoken)
    targets = {written} | ({unicodedata.normalize("NFC", replaces.strip())} if replaces else set())
    lines, done = [], False
    for line in _file_lines(path):
        if _key_of(line) in targets:
            if not done:
                lines.append(f"{written}\t{spoken}")
                done = True
            continue  # a duplicate of the changed entry
        lines.append(line)
    if not done:
        lines.append(f"{written}\t{spoken}")
    _rewrite(path, lines)


def delete_station_entry(path: Path, written: str) -> bool:
    """Remove the entry; False when it was not there."""
    path = Path(path)
    key = unicodedata.normalize("NFC", written.strip())
    lines = _file_lines(path)
    kept = [line for line in lines if _key_of(line) != key]
    if len(kept) == len(lines):
        return False
    _rewrite(path, kept)
    return True
