"""`bulletins --help` and `bulletins normalize` start without the heavy libraries."""

import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "sqlalchemy", "jinja2", "fastapi", "miniaudio", "lameenc")


@pytest.mark.parametrize("args", [["--help"], ["normalize", "UBND xã lúc 7h30"]])
def test_light_commands_do_not_import_heavy_libraries(args, tmp_path):
    code = (
        "import sys\n"
        "from bulletins.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"BULLETINS_HOME": str(tmp_path), "PATH": ""})
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_every_command_is_still_listed_and_runs_its_module():
    from click.testing import CliRunner

    from bulletins.cli import cli

    listed = CliRunner().invoke(cli, ["--help"]).output
    for name in cli.commands:  # importing every command module, as tests and docs do
        assert f"  {name} " in listed
