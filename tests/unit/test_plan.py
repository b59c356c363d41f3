from datetime import date, datetime, timedelta

from bulletins.models import Item
from bulletins.plan import plan_bulletin

T0 = datetime(2026, 11, 1, 8, 0)


def item(i: int, priority: str = "normal", minutes: int = 0) -> Item:
    return Item(id=i, title=f"Tin {i}", body="…", priority=priority,
                created_at=T0 + timedelta(minutes=minutes or i))


def test_urgent_first_then_priority_then_queue_order():
    items = [item(1, "low"), item(2), item(3, "high"), item(4, "urgent"), item(5)]
    plan = plan_bulletin(items, slot_ms=100_000, fixed_ms=0, cost_ms=lambda it: 10_000)
    assert [i.id for i in plan.chosen] == [4, 3, 2, 5, 1]
    assert plan.deferred == ()


def test_items_that_do_not_fit_are_deferred_not_dropped():
    items = [item(i) for i in range(1, 8)]
    plan = plan_bulletin(items, slot_ms=60_000, fixed_ms=10_000, cost_ms=lambda it: 15_000)
    assert [i.id for i in plan.chosen] == [1, 2, 3]
    assert [i.id for i in plan.deferred] == [4, 5, 6, 7]
    assert plan.estimated_ms == 55_000
    assert set(plan.chosen) | set(plan.deferred) == set(items)


def test_urgent_goes_in_even_when_budget_is_spent():
    items = [item(1), item(2), item(3, "urgent", minutes=50)]
    plan = plan_bulletin(items, slot_ms=30_000, fixed_ms=0, cost_ms=lambda it: 20_000)
    assert [i.id for i in plan.chosen] == [3]
    assert [i.id for i in plan.deferred] == [1, 2]


def test_a_shorter_later_item_fills_the_gap_a_long_one_leaves():
    costs = {1: 30_000, 2: 50_000, 3: 10_000}
    items = [item(1), item(2), item(3)]
    plan = plan_bulletin(items, slot_ms=45_000, fixed_ms=0, cost_ms=lambda it: costs[it.id])
    assert [i.id for i in plan.chosen] == [1, 3]
    assert [i.id for i in plan.deferred] == [2]


def test_item_longer_than_the_whole_slot_is_reported():
    costs = {1: 10_000, 2: 500_000}
    plan = plan_bulletin([item(1), item(2)], 60_000, 5_000, lambda it: costs[it.id])
    assert [i.id for i in plan.too_long] == [2]
    assert [i.id for i in plan.deferred] == [2]
    assert plan.spares == ()


def test_spares_are_the_next_waiting_items_within_the_spare_budget():
    items = [item(i) for i in range(1, 10)]
    plan = plan_bulletin(items, 50_000, 0, lambda it: 10_000, spare_ms=25_000)
    assert [i.id for i in plan.chosen] == [1, 2, 3, 4, 5]
    assert [i.id for i in plan.spares] == [6, 7]


def test_validity_is_the_queue_s_job_but_items_report_it():
    it = Item(id=1, title="t", body="b", valid_from=date(2026, 12, 1),
              valid_until=date(2026, 12, 3))
    assert not it.valid_on(date(2026, 11, 30))
    assert it.valid_on(date(2026, 12, 1)) and it.valid_on(date(2026, 12, 3))
    assert not it.valid_on(date(2026, 12, 4))
