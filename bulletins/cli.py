"""The `bulletins` command: a thin click layer over the stages.

Every command takes --home (or $BULLETINS_HOME). Errors from the core arrive as BulletinError
and are printed once, in Vietnamese, by `main()`; nothing else turns into a traceback.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .config import Settings, load_settings
from .errors import BulletinError

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


@click.group(cls=HomeGroup)
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
        click.echo(f"Lỗi: {exc.message[:1].upper()}{exc.message[1:]}", err=True)
        if exc.hint:
            click.echo(f"Gợi ý: {exc.hint}", err=True)
        if exc.detail:
            log.info("chi tiết: %s", exc.detail)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Đã dừng.", err=True)
        sys.exit(130)


def _register_edges() -> None:
    # Edge commands live beside their edge; each module exposes `commands`.
    from . import commands_core

    for cmd in commands_core.commands:
        cli.add_command(cmd)
    from .schedule import commands as commands_schedule

    for cmd in commands_schedule.commands:
        cli.add_command(cmd)
    from .web import commands as commands_web

    for cmd in commands_web.commands:
        cli.add_command(cmd)
    from .station import commands as commands_station

    for cmd in commands_station.commands:
        cli.add_command(cmd)


_register_edges()

__all__ = ["cli", "main", "pass_ctx", "Context", "Path"]
