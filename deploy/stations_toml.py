#!/usr/bin/env python3
"""Print one [[stations]] block per commune, for appending to a province bulletins.toml.

    python deploy/stations_toml.py communes.csv >> $BULLETINS_HOME/bulletins.toml
    python deploy/stations_toml.py --count 50 --time 05:30 >> …   # xa-01 … xa-50, for a trial

The CSV (UTF-8, header optional) has one commune a line: id,name[,time[,slot]] — the station
id (letters, digits, "-"), the station's name as announced, the morning slot's time (default
--time) and its name (default --slot). Standard library only: it runs before the venv exists.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # as config.py
TIME_RE = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


def q(text: str) -> str:
    """A TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def block(sid: str, name: str, time: str, slot: str) -> str:
    return (f"\n[[stations]]\nid = {q(sid)}\nname = {q(name)}\n"
            f"[[stations.slots]]\nname = {q(slot)}\ntime = {q(time)}\n")


def rows_from_csv(path: str, time: str, slot: str) -> list[tuple[str, str, str, str]]:
    out = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for n, row in enumerate(csv.reader(f), 1):
            row = [c.strip() for c in row]
            if not row or not row[0] or row[0].startswith("#") or (n == 1 and row[0] == "id"):
                continue
            if len(row) < 2:
                sys.exit(f"{path}:{n}: cần ít nhất hai cột: mã đài, tên đài")
            sid, name = row[0], row[1]
            t = row[2] if len(row) > 2 and row[2] else time
            s = row[3] if len(row) > 3 and row[3] else slot
            if not ID_RE.match(sid):
                sys.exit(f"{path}:{n}: mã đài «{sid}» chỉ gồm chữ thường không dấu, số, «-» và «_»")
            if not TIME_RE.match(t):
                sys.exit(f"{path}:{n}: giờ «{t}» phải có dạng HH:MM")
            out.append((sid, name, t, s))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv", nargs="?", help="id,name[,time[,slot]] per line")
    ap.add_argument("--count", type=int, default=0, help="without a CSV: xa-01 … xa-N")
    ap.add_argument("--time", default="05:30", help="slot time when the CSV has none")
    ap.add_argument("--slot", default="sang", help="slot name when the CSV has none")
    args = ap.parse_args(argv)
    if args.csv:
        rows = rows_from_csv(args.csv, args.time, args.slot)
    elif args.count > 0:
        width = max(2, len(str(args.count)))
        rows = [(f"xa-{i:0{width}d}", f"Đài truyền thanh xã số {i}", args.time, args.slot)
                for i in range(1, args.count + 1)]
    else:
        ap.error("give a CSV file or --count N")
    if len({r[0] for r in rows}) != len(rows):
        sys.exit("Mã đài bị trùng trong danh sách.")
    sys.stdout.write("".join(block(*r) for r in rows))


if __name__ == "__main__":
    main()
