"""Plan: which queued items go into a bulletin, before any audio exists (pure).

Urgent items always go in; then by priority, then queue order, each item taken if its
estimated cost still fits. An item that does not fit is deferred, never dropped: it stays
queued for the next bulletin. A few deferred items are kept as spares so that fitting, which
works on measured lengths, can swap them in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .models import Item, queue_order


@dataclass(frozen=True)
class Plan:
    chosen: tuple[Item, ...]
    deferred: tuple[Item, ...]
    spares: tuple[Item, ...]  # deferred items worth synthesizing for the fitter
    estimated_ms: int
    budget_ms: int
    too_long: tuple[Item, ...] = ()  # items longer than the whole slot on their own


def plan_bulletin(
    candidates: Sequence[Item],
    slot_ms: int,
    fixed_ms: int,
    cost_ms: Callable[[Item], int],
    spare_ms: int = 0,
) -> Plan:
    """Choose items so that fixed parts plus the items' estimated costs fit `slot_ms`.

    `fixed_ms` is what every bulletin spends regardless of items (jingles, greeting,
    closing, pauses); `cost_ms(item)` an item's estimated share (its part, its headline,
    its pauses). `spare_ms` is how much beyond the budget to keep as spares.
    """
    budget = slot_ms - fixed_ms
    ordered = sorted(candidates, key=queue_order)
    chosen: list[Item] = []
    deferred: list[Item] = []
    too_long: list[Item] = []
    used = 0
    for item in ordered:
        cost = cost_ms(item)
        if cost > budget:
            too_long.append(item)
        if item.priority == "urgent" or used + cost <= budget:
            chosen.append(item)
            used += cost
        else:
            deferred.append(item)
    spares: list[Item] = []
    spare_used = 0
    for item in deferred:
        cost = cost_ms(item)
        if item in too_long or spare_used + cost > spare_ms:
            continue
        spares.append(item)
        spare_used += cost
    return Plan(
        chosen=tuple(chosen),
        deferred=tuple(deferred),
        spares=tuple(spares),
        estimated_ms=fixed_ms + used,
        budget_ms=budget,
        too_long=tuple(too_long),
    )
