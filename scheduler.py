"""Run the Bản tin scheduler in the foreground: `python scheduler.py [--home DIR] [-v]`.

The same code as `bulletins schedule`; see bulletins/schedule/service.py. A home that has
joined a province server (`bulletins station join`, station.json) runs the station machine
instead: `bulletins station run`, see bulletins/station/runner.py.
"""

import sys

from bulletins.cli import main


def _joined(argv: list[str]) -> bool:
    from bulletins.config import resolve_home
    from bulletins.station import CONFIG_NAME

    home = argv[argv.index("--home") + 1] if "--home" in argv[:-1] else None
    return (resolve_home(home) / CONFIG_NAME).is_file()


if __name__ == "__main__":
    args = sys.argv[1:]
    main(["station", "run", *args] if _joined(args) else ["schedule", *args])
