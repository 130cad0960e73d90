"""The memory helpers: the cyclic collector paused and restored (lists freed in slices are
the library's ``free_in_slices``, which ``Engine.dismantle`` uses too)."""

from __future__ import annotations

import gc

from bot.service.memory import cyclic_gc_paused
from retrieval.engine import free_in_slices


def test_free_in_slices_empties_the_list_in_place() -> None:
    items: list[object] = list(range(10_001))
    free_in_slices(items, step=1000)
    assert items == []


def test_cyclic_gc_is_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.unfreeze()
