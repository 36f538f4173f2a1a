"""Pausing Python's cyclic garbage collector while the engine builds its index.

The fit of the 100k world allocates millions of containers that all live on (the analyses'
feature bags, the documents, the per-listing lists). Every 700 new containers CPython runs a
young collection, and each time the survivors pile up it runs a full one over everything
allocated so far: the fit's analysis results alone took 21 s of the parent's CPU instead of
10 s. Nothing the fit builds is cyclic garbage, so collecting meanwhile is wasted work; the
collector resumes afterwards and finds whatever cycles were left.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off (as it was afterwards)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
