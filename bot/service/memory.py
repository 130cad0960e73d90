"""Memory handling that keeps the event loop free while big corpora come and go.

Freeing millions of objects in one deallocation, or letting the cyclic collector walk a heap
holding two engines, holds the GIL long enough to stall the Discord gateway heartbeat; these
helpers spread that work into small steps taken in worker threads.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from retrieval.engine import free_in_slices

ARTICLES_PER_FREE_STEP = 50
"""Articles (each with its passages and tokens, hundreds of objects) freed per slice: a
slice of thousands of articles freed enough objects at once to stall the event loop."""


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a corpus is loaded, then freeze the heap.

    A reload creates millions of objects; each full collection then walks the whole heap
    (both engines) while holding the GIL, which stalled the event loop for long stretches
    on big corpora. Reference counting still frees everything acyclic meanwhile; afterwards
    the long-lived engine is moved out of the collector's sight (``gc.freeze``).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def empty_in_slices(*tables: dict[Any, Any] | list[Any], step: int = 2000) -> None:
    """Empty big dicts and lists a slice at a time (in the build thread): a reload's tables
    of every stored file (100,000 entries at a million passages) took a fifth of a second
    to free at once, on the event loop, when the reload returned."""
    for table in tables:
        if isinstance(table, dict):
            while table:
                for _ in range(min(step, len(table))):
                    table.popitem()
        else:
            free_in_slices(table, step)
