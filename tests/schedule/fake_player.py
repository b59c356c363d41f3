"""A player for the tests: `fake_player.py FILE OUT SLEEP` appends when it starts and ends.

A file name containing "fail" exits 3 at once; one containing "long" plays for 20 s.
"""

import os
import sys
import time

path, out, sleep = sys.argv[1], sys.argv[2], float(sys.argv[3])
name = os.path.basename(path)
if "long" in name:
    sleep = 20.0
with open(out, "a", encoding="utf-8") as f:
    f.write(f"{time.time():.3f}\tstart\t{path}\n")
if "fail" in name:
    print("loa hỏng (giả lập)", file=sys.stderr)
    sys.exit(3)
time.sleep(sleep)
with open(out, "a", encoding="utf-8") as f:
    f.write(f"{time.time():.3f}\tend\t{path}\n")
