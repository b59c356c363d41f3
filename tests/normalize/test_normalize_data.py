"""The data files shipped with the normalizer: well-formed, unique, speakable."""

from __future__ import annotations

import re
import string

import pytest

from bulletins.normalize.lexicon import DOMAIN_FILES, Lexicon, parse_tsv, read_data

FILES = ("abbreviations.tsv", "names.tsv", "issuers.tsv", "units.tsv", "letters.tsv",
         *DOMAIN_FILES)
SPEAKABLE = re.compile(r"[^\W\d_]+(?:(?:, | - | |-)[^\W\d_]+)*")


@pytest.mark.parametrize("name", FILES)
def test_keys_are_unique(name: str) -> None:
    keys = [line.split("\t")[0] for line in read_data(name).splitlines()
            if line.strip() and not line.startswith("#")]
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates


@pytest.mark.parametrize("name", FILES)
def test_spoken_forms_are_speakable(name: str) -> None:
    for written, spoken in parse_tsv(read_data(name), name).items():
        assert SPEAKABLE.fullmatch(spoken), (written, spoken)


def test_letters_cover_the_alphabet() -> None:
    letters = parse_tsv(read_data("letters.tsv"), "letters.tsv")
    assert set(string.ascii_uppercase) <= set(letters)
    assert set("ĂÂĐÊÔƠƯ") <= set(letters)


def test_lexicon_has_several_hundred_entries() -> None:
    assert len(Lexicon.builtin()) >= 500
