"""kg.io: the garbage-collector freeze a build holds its objects under."""

from __future__ import annotations

import gc
import weakref

from kg.io import held_objects


class _Thing:
    pass


def test_held_objects_freezes_each_stage_and_unfreezes_at_the_end() -> None:
    gc.unfreeze()
    with held_objects() as stage_done:
        thing = _Thing()
        alive = weakref.ref(thing)
        stage_done()
        assert gc.get_freeze_count() > 0
        del thing  # frozen objects are still freed when nothing refers to them
        assert alive() is None
    assert gc.get_freeze_count() == 0


def test_held_objects_leaves_an_earlier_freeze_alone() -> None:
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with held_objects() as stage_done:
            stage_done()
        assert gc.get_freeze_count() >= before > 0
    finally:
        gc.unfreeze()
