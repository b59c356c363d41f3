import pytest

from bulletins.errors import SlotOverflowError
from bulletins.fit import Unit, choose_fit


def units(*lengths_s: float, urgent: tuple[int, ...] = ()) -> list[Unit]:
    return [Unit(i, int(s * 1000), 700, urgent=i in urgent, title=f"Tin {i}")
            for i, s in enumerate(lengths_s, 1)]


FIXED = dict(fixed_speech_ms=30_000, fixed_gap_ms=8_000)


@pytest.mark.parametrize("slot_s", [60, 300, 600])
def test_never_longer_than_the_slot_and_close_to_it_when_news_is_plenty(slot_s):
    us = units(*[37, 52, 18, 64, 45, 29, 71, 33, 48, 26, 58, 41, 22, 66, 39] * 2)
    if slot_s == 60:
        us = units(5, 9, 7, 12, 6, 8, 11, 4)
    fixed = dict(fixed_speech_ms=15_000, fixed_gap_ms=4_000) if slot_s == 60 else FIXED
    choice = choose_fit(units=us, slot_ms=slot_s * 1000, **fixed)
    assert choice.predicted_ms <= slot_s * 1000 - 400
    assert choice.predicted_ms >= slot_s * 1000 - 15_000
    assert 0.92 <= choice.tempo <= 1.08
    assert set(choice.item_ids) | set(choice.deferred_ids) == {u.item_id for u in us}
    assert not set(choice.item_ids) & set(choice.deferred_ids)


def test_urgent_items_always_air():
    us = units(100, 100, 100, 50, urgent=(4,))
    choice = choose_fit(units=us, slot_ms=200_000, **FIXED)
    assert 4 in choice.item_ids
    assert choice.predicted_ms <= 199_600


def test_urgent_item_longer_than_the_slot_is_a_clear_error():
    with pytest.raises(SlotOverflowError, match="dài hơn cả khung giờ"):
        choose_fit(units=units(500, urgent=(1,)), slot_ms=120_000, **FIXED)


def test_normal_item_longer_than_the_slot_is_deferred_with_a_warning():
    choice = choose_fit(units=units(20, 900), slot_ms=120_000, **FIXED)
    assert choice.item_ids == (1,)
    assert choice.deferred_ids == (2,)
    assert any("dài hơn cả khung giờ" in w for w in choice.warnings)


def test_a_small_speed_up_makes_room_for_one_more_item():
    # 30 + 8 fixed, items 280 s of speech: natural 38+280+2.1 > 300, at 1.08 it fits.
    us = units(140, 140)
    choice = choose_fit(units=us, slot_ms=300_000, **FIXED)
    assert choice.item_ids == (1, 2)
    assert 1.0 < choice.tempo <= 1.08
    assert choice.predicted_ms <= 299_600


def test_slows_down_slightly_to_close_a_gap_when_nothing_else_fits():
    us = units(200, 200)  # one fits, the other never will
    choice = choose_fit(units=us, slot_ms=260_000, **FIXED)
    assert choice.item_ids == (1,)
    assert 0.92 <= choice.tempo < 1.0
    assert 245_000 <= choice.predicted_ms <= 259_600


def test_short_of_news_stays_short_at_natural_speed():
    choice = choose_fit(units=units(20), slot_ms=600_000, **FIXED)
    assert choice.tempo == 1.0
    assert choice.item_ids == (1,)


def test_swaps_a_waiting_item_in_when_it_fills_the_slot_better():
    # Greedy takes 1 (100 s) then cannot fit 2 (150 s); swapping 1 for 2 fills the slot.
    us = units(100, 150)
    choice = choose_fit(units=us, slot_ms=200_000, **FIXED)
    assert choice.item_ids == (2,)
    assert choice.predicted_ms >= 185_000


def test_urgent_item_that_only_overflows_with_greeting_and_closing_says_so():
    with pytest.raises(SlotOverflowError, match="cùng lời chào và lời kết"):
        choose_fit(units=units(50, urgent=(1,)), slot_ms=60_000, **FIXED)


def test_a_swap_never_puts_a_lower_priority_item_before_a_higher_one():
    us = [Unit(1, 100_000, 700, rank=2), Unit(2, 150_000, 700, rank=3)]
    choice = choose_fit(units=us, slot_ms=200_000, **FIXED)
    assert choice.item_ids == (1,)


def test_slot_too_short_for_greeting_and_closing():
    with pytest.raises(SlotOverflowError, match="quá ngắn"):
        choose_fit(units=units(5), slot_ms=20_000, **FIXED)


def test_tempo_comes_in_whole_steps_toward_faster():
    from bulletins.fit import TEMPO_STEP, Unit, choose_fit

    seen = set()
    for extra in range(0, 9000, 250):  # a little too long, by different amounts
        units = [Unit(i, 40_000 + (extra if i == 0 else 0), 950) for i in range(14)]
        choice = choose_fit(20_000, 8_000, units, 600_000)
        steps = choice.tempo / TEMPO_STEP
        assert abs(steps - round(steps)) < 1e-6 or choice.tempo == 1.08
        assert choice.predicted_ms <= 600_000 - 400
        seen.add(choice.tempo)
    assert len(seen) > 1


def test_bulletins_sharing_most_items_share_a_tempo_and_still_fill_the_slot():
    # A province's stations, one slot: 3 local items of any length first, then the shared
    # queue. A few tempos among them lets every station reuse the shared items' mastered audio.
    import random

    rng = random.Random(9)
    shared = [Unit(100 + i, 1000 * s, 700) for i, s in
              enumerate([31, 26, 44, 32, 45, 33, 27, 27, 26, 26, 31, 29, 38, 41, 24, 35])]
    tempos = set()
    for _ in range(20):
        local = [Unit(i, rng.randint(30_000, 55_000), 700, rank=1) for i in range(3)]
        choice = choose_fit(60_000, 8_000, [*local, *shared], 600_000)
        assert 600_000 - 15_000 <= choice.predicted_ms <= 600_000 - 400
        tempos.add(choice.tempo)
    assert len(tempos) <= 3, tempos


def test_a_small_gap_is_closed_by_longer_pauses_before_speech_is_slowed():
    # 14 items of 38 s with a 700 ms pause each end about 23 s short of a 10-minute slot.
    us = [Unit(i, 38_000, 700) for i in range(14)]
    fixed = dict(fixed_speech_ms=30_000, fixed_gap_ms=2 * 2600 + 4 * 700)
    slowed = choose_fit(**fixed, units=us, slot_ms=600_000)
    assert slowed.tempo < 1.0  # without room to stretch the pauses: slower speech
    paused = choose_fit(**fixed, units=us, slot_ms=600_000, pause_ms=700, fixed_pauses=4,
                        max_pause_ms=1500)
    assert paused.tempo == 1.0  # the same speech as in every other bulletin airing it
    assert 700 < paused.pause_ms <= 1500
    assert 600_000 - 15_000 <= paused.predicted_ms <= 600_000 - 400
    longer = 18 * (paused.pause_ms - 700)  # 4 fixed pauses and one per item
    assert paused.predicted_ms == _natural(fixed, us) + longer


def test_pauses_stretch_only_as_far_as_allowed_then_speech_slows():
    us = [Unit(i, 36_000, 700) for i in range(14)]
    fixed = dict(fixed_speech_ms=30_000, fixed_gap_ms=2 * 2600 + 4 * 700)
    choice = choose_fit(**fixed, units=us, slot_ms=600_000, pause_ms=700, fixed_pauses=4,
                        max_pause_ms=900)
    assert choice.pause_ms == 900
    assert choice.tempo < 1.0
    assert 600_000 - 15_000 <= choice.predicted_ms <= 600_000 - 400


def _natural(fixed: dict, us: list[Unit]) -> int:
    return (fixed["fixed_speech_ms"] + fixed["fixed_gap_ms"]
            + sum(u.speech_ms + u.gap_ms for u in us))
