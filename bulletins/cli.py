"""The `bulletins` command: a thin click layer over the stages.

Every command takes --home (or $BULLETINS_HOME). Errors from the core arrive as BulletinError
and are printed once, in Vietnamese, by `main()`; nothing else turns into a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

import click

from .config import Settings, load_settings
from .errors import BulletinError, explain

log = logging.getLogger("bulletins")


class Context:
    """What every subcommand gets: the resolved home and, lazily, its settings."""

    def __init__(self, home: str | None = None):
        self.home_arg = home
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.home_arg)
        return self._settings


pass_ctx = click.make_pass_decorator(Context)


def home_option(f):  # noqa: ANN001, ANN201
    """--home on every command, so `bulletins news list --home X` works as well as before it."""

    def callback(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value is not None:
            ctx.ensure_object(Context).home_arg = value
            ctx.find_object(Context)._settings = None

    return click.option(
        "--home", type=click.Path(file_okay=False), expose_value=False, callback=callback,
        is_eager=True, help="Thư mục làm việc (cấu hình, cơ sở dữ liệu, audio_out/).",
    )(f)


class HomeGroup(click.Group):
    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        home_option(cmd)
        super().add_command(cmd, name)


# Modules that expose a `commands` list. They are imported only when one of their commands
# runs: `bulletins --help` and `bulletins normalize` then start without loading SQLAlchemy,
# the web stack or the audio libraries. Their names and help are read from the sources.
_EDGE_MODULES = ("bulletins.commands_core", "bulletins.schedule.commands",
                 "bulletins.web.commands", "bulletins.synth.commands",
                 "bulletins.province.commands", "bulletins.station.commands")


def _scan_commands(module: str) -> dict[str, str] | None:
    """{command name: help text} of a module's `commands`, read without importing it."""
    import ast

    # By path, not importlib's find_spec: that would import the parent packages.
    source = Path(__file__).parent.joinpath(*module.split(".")[1:]).with_suffix(".py")
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    defs: dict[str, tuple[str, str]] = {}
    exported: list[str] | None = None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                if (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)
                        and dec.func.attr in ("command", "group")
                        and isinstance(dec.func.value, ast.Name) and dec.func.value.id == "click"):
                    arg = dec.args[0] if dec.args else None
                    name = arg.value if isinstance(arg, ast.Constant) else \
                        node.name.lower().replace("_", "-")
                    defs[node.name] = (name, ast.get_docstring(node) or "")
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1
              and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "commands"
              and isinstance(node.value, ast.List)):
            exported = [e.id for e in node.value.elts if isinstance(e, ast.Name)]
    if exported is None or any(e not in defs for e in exported):
        return None  # an unusual module: import it to know its commands
    return dict(defs[e] for e in exported)


class LazyGroup(HomeGroup):
    """The top-level group: commands from _EDGE_MODULES, each module imported on first use.

    `commands` (the full mapping, as tests and docs checks use it) imports every module.
    """

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self._index: dict[str, tuple[str, str]] = {}  # name -> (module, help text)
        self._loaded: set[str] = set()
        self._own: dict[str, click.Command] = {}
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, click.Command]:  # type: ignore[override]
        for module in _EDGE_MODULES:
            self._load(module)
        return self._own

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._own = dict(value)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        home_option(cmd)
        self._own[name or cmd.name] = cmd  # type: ignore[index]

    def index(self) -> None:
        for module in _EDGE_MODULES:
            found = _scan_commands(module)
            if found is None:
                self._load(module)
            else:
                for name, text in found.items():
                    self._index.setdefault(name, (module, text))

    def _load(self, module: str) -> None:
        if module in self._loaded:
            return
        self._loaded.add(module)
        for cmd in importlib.import_module(module).commands:
            self.add_command(cmd)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._index, *self._own})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._index:
            self._load(self._index[cmd_name][0])
        elif cmd_name not in self._own:
            return self.commands.get(cmd_name)
        return self._own.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(map(len, names))  # as click.Group lays it out
        rows = [(name, self._own[name].get_short_help_str(limit) if name in self._own
                 else click.utils.make_default_short_help(self._index[name][1], limit))
                for name in names]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.option("--home", envvar="BULLETINS_HOME", type=click.Path(file_okay=False),
              help="Thư mục làm việc. Mặc định: thư mục hiện tại.")
@click.option("-v", "--verbose", is_flag=True, help="In thêm thông tin chi tiết.")
@click.version_option(package_name="bulletins")
@click.pass_context
def cli(ctx: click.Context, home: str | None, verbose: bool) -> None:
    """Bản tin: biên tập, dựng và phát bản tin phát thanh tiếng Việt."""
    obj = ctx.ensure_object(Context)
    if home is not None and obj.home_arg is None:
        obj.home_arg = home
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning every BulletinError into one Vietnamese line."""
    try:
        cli.main(args=argv, standalone_mode=False, obj=Context(None))
    except click.exceptions.Abort:
        click.echo("Đã hủy.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BulletinError as exc:
        _fail(explain(exc) or exc)
    except KeyboardInterrupt:
        click.echo("Đã dừng.", err=True)
        sys.exit(130)
    except Exception as exc:
        # A busy or corrupt database or a full disk can surface from any layer.
        fault = explain(exc)
        if fault is None:
            raise
        _fail(fault)


def _fail(exc: BulletinError) -> None:
    click.echo(f"Lỗi: {exc.message[:1].upper()}{exc.message[1:]}", err=True)
    if exc.hint:
        click.echo(f"Gợi ý: {exc.hint}", err=True)
    if exc.detail:
        log.info("chi tiết: %s", exc.detail)
    sys.exit(1)


cli.index()  # type: ignore[attr-defined]

__all__ = ["cli", "main", "pass_ctx", "Context", "Path"]
