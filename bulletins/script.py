"""Script: render the bulletin's parts from Jinja2 templates (pure once the env exists).

Templates live in scripts_templates/; a station may override any of them by putting a file
of the same name in <home>/templates/. Editors' text reaches the templates only as values,
so `{{ 7*7 }}` in a news body is read as written. The sandbox keeps a station's own
templates from reaching into Python.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .config import Slot, Station
from .errors import TemplateError
from .models import Item

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "scripts_templates"
TEMPLATE_NAMES = ("greeting", "headlines", "headline", "item", "closing",
                  "emergency_greeting", "emergency_closing", "greeting_compact",
                  "closing_compact")


def _builtin_dir() -> Path:
    try:
        import scripts_templates

        return Path(scripts_templates.__file__).parent
    except ImportError:  # pragma: no cover - running from an unusual layout
        return BUILTIN_TEMPLATES


def make_env(station_templates: Path | None = None) -> SandboxedEnvironment:
    """The template environment, one per folder set per process: Jinja compiles each
    template once and reloads a file edited since (its loader checks the mtime)."""
    folder = station_templates if station_templates and station_templates.is_dir() else None
    return _env(folder)


@functools.lru_cache(maxsize=64)
def _env(station_templates: Path | None) -> SandboxedEnvironment:
    paths = [str(p) for p in (station_templates,) if p]
    paths.append(str(_builtin_dir()))
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(paths),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )


def slot_label(slot: Slot) -> str:
    """How the slot is named aloud, from its hour: sáng, trưa, chiều or tối."""
    hour = slot.hms[0]
    if hour < 11:
        return "buổi sáng"
    if hour < 13:
        return "buổi trưa"
    if hour < 18:
        return "buổi chiều"
    return "buổi tối"


@dataclass(frozen=True)
class Script:
    """Written text of every part (before normalization)."""

    greeting: str
    headlines_intro: str
    headlines: tuple[str, ...]  # one line per item, same order as items
    items: tuple[str, ...]
    closing: str


def render(env: SandboxedEnvironment, name: str, **values: object) -> str:
    try:
        text = env.get_template(f"{name}.txt.j2").render(**values)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"Không tìm thấy mẫu kịch bản «{name}.txt.j2».") from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(
            f"Mẫu kịch bản «{name}.txt.j2» bị lỗi: {exc}.",
            "Sửa tệp mẫu trong thư mục templates/ của đài, hoặc xóa nó để dùng mẫu gốc.",
        ) from exc
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def render_script(env: SandboxedEnvironment, station: Station, slot: Slot, day: date,
                  items: list[Item], weekday: str, date_spoken: str,
                  emergency: bool = False, compact: bool = False) -> Script:
    """`compact`: the short opening and closing and no headlines, for a slot where the full
    opening leaves urgent items no room (e.g. a 60-second slot)."""
    n = len(items)
    common = {"station": station, "slot_label": slot_label(slot), "weekday": weekday,
              "date_spoken": date_spoken, "item_count": n, "day": day, "emergency": emergency}
    kind = "emergency_" if emergency else ""
    suffix = "_compact" if compact and not emergency else ""
    greeting = render(env, f"{kind}greeting{suffix}", **common)
    closing = render(env, f"{kind}closing{suffix}", **common)
    plain = not emergency and not compact
    intro = render(env, "headlines", items=items, **common) if plain and n else ""
    heads = tuple(
        render(env, "headline", item=it, index=i, **common) for i, it in enumerate(items, 1)
    ) if plain else ()
    bodies = tuple(
        render(env, "item", item=it, index=i, category=it.category, **common)
        for i, it in enumerate(items, 1)
    )
    return Script(greeting, intro, heads, bodies, closing)
