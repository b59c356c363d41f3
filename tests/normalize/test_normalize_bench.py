"""`bench/bench_normalize.py --misses` prints the development sets' misses and never the
held-back set's, not even when the held-back file is named with `--extra`. Checked by the
output's shape (what follows each set's score line), never by reading held-back cases; the
output is not printed, and assertion messages hold counts and labels only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "bench_normalize.py"
HELD_BACK = ROOT / "tests" / "normalize" / "heldback.tsv"
NOTE = "  (held-back misses are never shown"


def _sections(out: str) -> list[tuple[str, list[str]]]:
    """(score line's label, the indented lines after it) for each scored set."""
    sections: list[tuple[str, list[str]]] = []
    for line in out.splitlines():
        if line.startswith("input:"):
            break
        if line.startswith("  "):
            sections[-1][1].append(line)
        else:
            sections.append((line.split(":", 1)[0], []))
    return sections


def test_misses_are_printed_for_development_sets_only(tmp_path: Path) -> None:
    batch = tmp_path / "batch.tsv"  # a new batch with one case read wrong on purpose
    batch.write_text("Ngày 2/9 khai giảng\tngày hai tháng chín CỐ Ý SAI\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(BENCH), "--misses", "--runs", "1", "--words",
                          "20", "--extra", str(batch), "--extra", str(HELD_BACK)],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, "the benchmark failed"
    sections = dict(_sections(run.stdout))
    held = [label for label in sections if label.startswith("held-back")]
    assert len(held) == 1 and len(sections) == 13, sorted(sections)
    for label in (held[0], f"extra {HELD_BACK}"):
        lines = sections[label]
        assert len(lines) == 1 and lines[0].startswith(NOTE), (label, len(lines))
    planted = sections[f"extra {batch}"]
    assert planted[:2] == ["  IN  Ngày 2/9 khai giảng", "  WANT ngày hai tháng chín CỐ Ý SAI"]
    assert planted[2].startswith("  GOT  ") and len(planted) == 3
    for label, lines in sections.items():  # every other set: whole IN/WANT/GOT triples only
        if label not in (held[0], f"extra {HELD_BACK}"):
            assert len(lines) % 3 == 0 and not any(ln.startswith(NOTE) for ln in lines), label
