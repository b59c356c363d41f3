"""Benchmark: the legacy-encoding detector against plain decoding and the normalizer.

Every input passes the detector (bulletins/encoding.py), so it must cost little next to what
follows it. Prints words per second for Unicode text (the common case), TCVN3 and VNI text
(converted) and raw TCVN3 bytes, and the detector's share of one normalization.

    python bench/bench_encoding.py         # prints figures; nothing is asserted
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletins.encoding import decode_bytes, fix_text  # noqa: E402
from bulletins.normalize import to_spoken  # noqa: E402
from tests.legacy_bytes import as_latin1, tcvn3_bytes, vni_bytes  # noqa: E402


def per_call(fn, arg, repeat: int = 5) -> float:  # noqa: ANN001
    fn(arg)  # warm caches, as a running server has them
    t = time.perf_counter()
    for _ in range(repeat):
        fn(arg)
    return (time.perf_counter() - t) / repeat


def main() -> None:
    items = json.loads((ROOT / "bulletins" / "data" / "sample_news.json").read_text("utf-8"))
    text = " ".join(f"{i['title']}. {i['body']}" for i in items) * 3
    words = len(text.split())
    raw_utf8 = text.encode("utf-8")
    base = per_call(lambda b: b.decode("utf-8"), raw_utf8)
    rows = [
        ("UTF-8 decode only (baseline)", base),
        ("Unicode text, detector", per_call(fix_text, text)),
        ("UTF-8 bytes, detector", per_call(decode_bytes, raw_utf8)),
        ("TCVN3 pasted text, converted", per_call(fix_text, as_latin1(tcvn3_bytes(text)))),
        ("VNI pasted text, converted", per_call(fix_text, as_latin1(vni_bytes(text)))),
        ("TCVN3 bytes, converted", per_call(decode_bytes, tcvn3_bytes(text))),
    ]
    spoken = per_call(to_spoken, text, repeat=2)
    print(f"{words} words of news text")
    for name, seconds in rows:
        print(f"{name:32s} {seconds * 1000:8.1f} ms  {words / seconds:12,.0f} words/s")
    detector = rows[1][1]
    print(f"{'normalize (to_spoken)':32s} {spoken * 1000:8.1f} ms")
    print(f"detector / normalize = {detector / spoken:.3f}")


if __name__ == "__main__":
    main()
