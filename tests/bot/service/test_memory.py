"""The memory helpers: lists freed in slices, the cyclic collector paused and restored."""

from __future__ import annotations

import gc

from bot.service.memory import cyclic_gc_paused, free_gradually


def test_free_gradually_empties_the_list_in_place() -> None:
    items: list[object] = list(range(10_001))
    free_gradually(items, step=1000)
    assert items == []


def test_cyclic_gc_is_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.unfreeze()
