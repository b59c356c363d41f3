"""The normalization corpus (corpus.tsv): input in, what a commune announcer says out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bulletins.normalize import to_spoken

CORPUS = Path(__file__).with_name("corpus.tsv")


def _unescape(field: str) -> str:
    return re.sub(r"\\(n|x[0-9a-fA-F]{2})",
                  lambda m: "\n" if m.group(1) == "n" else chr(int(m.group(1)[1:], 16)), field)


def load_corpus(path: Path = CORPUS) -> list[tuple[int, str, str]]:
    cases = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        written, spoken = line.split("\t")
        cases.append((number, _unescape(written), _unescape(spoken)))
    return cases


CASES = load_corpus()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 200


@pytest.mark.parametrize(("line", "written", "spoken"), CASES,
                         ids=[f"L{n}" for n, _, _ in CASES])
def test_corpus(line: int, written: str, spoken: str) -> None:
    assert to_spoken(written) == spoken


# The fresh development sets (issue 14): each written by hand from text not used before and
# scored before the normalizer was fixed on it (the scores when written are printed by
# bench/bench_normalize.py); their misses guided the fixes, so they are regression sets now,
# compared case-folded like the benchmark (engines do not hear case). heldback.tsv is not
# tested here on purpose: it is only measured, by bench/bench_normalize.py.
#   fresh_dev: guided the semiotic-class rework; fresh_dev2, 3: new domains (round 2, 3);
#   fresh_dev4: the classes in the domains the others cover least, fresh_dev6 written after
#   its fixes; fresh_dev5: dense in abbreviations, fresh_dev7 written after the lexicon round;
#   fresh_dev8: text as editors paste it; fresh_dev9: ordinary province news by region.
# Each with the least number of cases it must keep.
DEV_SETS = {"fresh_dev.tsv": 200, "fresh_dev2.tsv": 150, "fresh_dev3.tsv": 120,
            "fresh_dev4.tsv": 100, "fresh_dev5.tsv": 200, "fresh_dev6.tsv": 100,
            "fresh_dev7.tsv": 100, "fresh_dev8.tsv": 250, "fresh_dev9.tsv": 100}
DEV = {name: load_corpus(CORPUS.with_name(name)) for name in DEV_SETS}


@pytest.mark.parametrize("name", list(DEV_SETS))
def test_dev_set_is_large_enough(name: str) -> None:
    assert len(DEV[name]) >= DEV_SETS[name]


@pytest.mark.parametrize(("line", "written", "spoken"),
                         [case for cases in DEV.values() for case in cases],
                         ids=[f"{name.removesuffix('.tsv')}:{n}" for name, cases in DEV.items()
                              for n, _, _ in cases])
def test_dev_sets(line: int, written: str, spoken: str) -> None:
    assert to_spoken(written).casefold() == spoken.casefold()
