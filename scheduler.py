"""Run the Bản tin scheduler in the foreground: `python scheduler.py [--home DIR] [-v]`.

The same code as `bulletins schedule`; see bulletins/schedule/service.py.
"""

import sys

from bulletins.cli import main

if __name__ == "__main__":
    main(["schedule", *sys.argv[1:]])
