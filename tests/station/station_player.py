"""The station tests' player: `station_player.py FILE OUT` appends start/end lines; a file
whose name contains "long" plays 60 s (long enough to be interrupted), others 0.5 s."""

import os
import sys
import time

path, out = sys.argv[1], sys.argv[2]
with open(out, "a", encoding="utf-8") as f:
    f.write(f"{time.time():.3f}\tstart\t{path}\n")
time.sleep(60.0 if "long" in os.path.basename(path) else 0.5)
with open(out, "a", encoding="utf-8") as f:
    f.write(f"{time.time():.3f}\tend\t{path}\n")
