"""Fit: bring a bulletin into its slot using measured lengths (pure).

The finished bulletin is never longer than the slot. When enough news is waiting it ends
within `fill_margin_s` of it. Three tools, in this order: choosing which items air (urgent
always, then priority and queue order, swapping a deferred item in where that fills the
slot better); longer pauses between parts (up to `max_pause_ms`) to close a gap; and a
bounded, pitch-preserving tempo change (at most ±max_tempo_change) that speeds speech up to
fit one more item or slows it down to close what the pauses could not. Pauses come before
slowing down because speech at its natural tempo is the same audio in every bulletin that
airs it: a province's stations share one mastered copy of each shared item.

Lengths are split into `speech_ms` (scaled by tempo) and `gap_ms` (jingles and pauses,
never scaled), so the prediction is exact for the layout in `timeline`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import SlotOverflowError

TEMPO_STEP = 0.005  # every tempo is a whole number of these
# Tempos are first tried on this coarser grid: bulletins sharing most of their items (a
# province's stations, one slot) then land on one or two tempos and share the tempo-changed,
# mastered audio of every shared item instead of re-mastering it per station.
SHARED_TEMPO_STEP = 0.02


@dataclass(frozen=True)
class Unit:
    """An item's measured share of the bulletin."""

    item_id: int
    speech_ms: int
    gap_ms: int
    urgent: bool = False
    title: str = ""
    rank: int = 2  # priority rank: 0 urgent, 1 high, 2 normal, 3 low
    pauses: int = 1  # pauses between parts it brings (two with a recording)


@dataclass(frozen=True)
class FitChoice:
    item_ids: tuple[int, ...]  # in airing order
    deferred_ids: tuple[int, ...]
    tempo: float
    predicted_ms: int
    warnings: tuple[str, ...] = ()
    pause_ms: int = 0  # the pause between parts to lay out (the given one, or longer)


def _total(fixed_speech: int, fixed_gap: int, units: Sequence[Unit], tempo: float) -> int:
    speech = fixed_speech + sum(u.speech_ms for u in units)
    gap = fixed_gap + sum(u.gap_ms for u in units)
    return int(speech / tempo + gap + 0.999)


def choose_fit(
    fixed_speech_ms: int,
    fixed_gap_ms: int,
    units: Sequence[Unit],
    slot_ms: int,
    safety_ms: int = 400,
    fill_margin_ms: int = 15_000,
    max_tempo_change: float = 0.08,
    pause_ms: int = 0,
    fixed_pauses: int = 0,
    max_pause_ms: int = 0,
) -> FitChoice:
    """Pick items (given in priority/queue order), a pause and a tempo so the bulletin fits
    the slot. `pause_ms` is the pause between parts already counted in the gaps: the
    opening and closing have `fixed_pauses` of them, each unit `Unit.pauses`; a bulletin
    short of the fill margin may stretch every one of them up to `max_pause_ms`."""
    limit = slot_ms - safety_ms
    aim = max(limit - 1500, slot_ms - fill_margin_ms // 2)
    fast, slow = 1.0 + max_tempo_change, 1.0 - max_tempo_change
    warnings: list[str] = []

    def total(sel: Sequence[Unit], tempo: float = 1.0) -> int:
        return _total(fixed_speech_ms, fixed_gap_ms, sel, tempo)

    if total([], fast) > limit:
        raise SlotOverflowError(
            f"Khung giờ {slot_ms // 1000} giây quá ngắn: lời chào và kết thúc đã dài hơn.",
            "Tăng «length_s» của khung giờ.",
        )
    selected: list[Unit] = []
    for u in (u for u in units if u.urgent):
        if total([u], fast) > limit:
            whole = "dài hơn cả khung giờ" if u.speech_ms > slot_ms else (
                "cùng lời chào và lời kết dài hơn khung giờ")
            raise SlotOverflowError(
                f"Tin khẩn «{u.title}» (số {u.item_id}, khoảng {u.speech_ms // 1000} giây) "
                f"{whole} {slot_ms // 1000} giây.",
                "Hãy rút gọn tin hoặc tăng độ dài khung giờ.",
            )
        selected.append(u)
    if selected and total(selected, fast) > limit:
        # Every urgent item airs in the next bulletin, or the build fails loudly: an
        # emergency is never deferred in silence.
        raise urgent_overflow([(u.title, u.item_id) for u in selected], total(selected),
                              slot_ms)
    optional = [u for u in units if not u.urgent]
    for u in optional:
        if total([*selected, u]) <= limit:
            selected.append(u)
    # Not full yet: take more items if a bounded speed-up makes room for them.
    if total(selected) < slot_ms - fill_margin_ms:
        for u in optional:
            if u not in selected and total([*selected, u], fast) <= limit:
                selected.append(u)
    # Still short: swap one chosen item for a longer waiting one of the same or higher priority.
    if total(selected, fast) < slot_ms - fill_margin_ms:
        selected = _best_swap(selected, optional, total, limit, fast)
    for u in optional:
        if total([u], fast) > limit:
            warnings.append(
                f"Tin «{u.title}» (số {u.item_id}) dài hơn cả khung giờ {slot_ms // 1000} giây; "
                "hãy rút gọn tin."
            )

    natural = total(selected)
    speech = fixed_speech_ms + sum(u.speech_ms for u in selected)
    gap = fixed_gap_ms + sum(u.gap_ms for u in selected)
    pause = pause_ms
    n_pauses = fixed_pauses + sum(u.pauses for u in selected)
    if natural < slot_ms - fill_margin_ms and max_pause_ms > pause_ms and n_pauses:
        # Just inside the fill margin by silence, where the pauses can stretch that far.
        want = slot_ms - fill_margin_ms + min(2000, fill_margin_ms // 3) - natural
        room = limit - natural
        extra = min(max_pause_ms - pause_ms, -(-want // n_pauses), room // n_pauses)
        if extra > 0:
            pause += extra
            gap += extra * n_pauses
            fixed_gap_ms += extra * n_pauses
            natural = total(selected)
    tempo = 1.0
    if natural > limit or natural < slot_ms - fill_margin_ms:
        wanted = speech / max(1, aim - gap)
        if natural > limit:
            tempo = min(max(wanted, 1.0), fast)
        elif wanted >= slow:
            tempo = min(wanted, 1.0)
    while total(selected, tempo) > limit and tempo < fast:
        tempo = min(fast, tempo + 0.002)
    if tempo != 1.0:
        # Rounded toward faster (never longer) onto the shared grid; onto the fine one only
        # when the coarse step would end the bulletin short of the fill margin.
        fine = _ceil_step(tempo, TEMPO_STEP, fast)
        tempo = _ceil_step(tempo, SHARED_TEMPO_STEP, fast)
        if total(selected, tempo) < slot_ms - fill_margin_ms <= total(selected, fine):
            tempo = fine
    order = {u.item_id: i for i, u in enumerate(units)}
    selected.sort(key=lambda u: order[u.item_id])
    chosen = {u.item_id for u in selected}
    return FitChoice(
        item_ids=tuple(u.item_id for u in selected),
        deferred_ids=tuple(u.item_id for u in units if u.item_id not in chosen),
        tempo=round(tempo, 4),
        predicted_ms=total(selected, tempo),
        warnings=tuple(warnings),
        pause_ms=pause,
    )


def _ceil_step(tempo: float, step: float, fast: float) -> float:
    return round(min(fast, math.ceil(tempo / step - 1e-9) * step), 4)


def _best_swap(selected, optional, total, limit, fast):  # noqa: ANN001, ANN202
    best, best_len = selected, total(selected, fast)
    waiting = [u for u in optional if u not in selected]
    for out in [u for u in selected if not u.urgent]:
        rest = [u for u in selected if u is not out]
        # Never let a lower-priority item push out a higher-priority one.
        for new in (w for w in waiting if w.rank <= out.rank):
            cand = [*rest, new]
            length = total(cand, fast)
            if best_len < length <= limit:
                best, best_len = cand, length
    return list(best)


def urgent_overflow(urgent: Sequence[tuple[str, int]], total_ms: float,
                    slot_ms: int) -> SlotOverflowError:
    """The error when the urgent items (title, id) together cannot fit the slot: the plan's
    estimate and the measured fit say it alike."""
    return SlotOverflowError(
        f"{len(urgent)} tin khẩn cộng lại (khoảng {total_ms / 1000:.0f} giây) không vừa "
        f"khung giờ {slot_ms // 1000} giây: "
        + "; ".join(f"«{title}» (số {item_id})" for title, item_id in urgent) + ".",
        "Hãy rút gọn tin khẩn, tăng độ dài khung giờ, hoặc phát riêng bằng «bulletins alert».",
    )
