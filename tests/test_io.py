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


def _cycle() -> weakref.ref[_Thing]:
    thing = _Thing()
    thing.me = thing  # type: ignore[attr-defined]  # only the cycle collector can free it
    return weakref.ref(thing)


def test_held_objects_nested_contexts_unfreeze_when_the_outermost_closes() -> None:
    gc.unfreeze()
    with held_objects() as outer:
        with held_objects() as inner:
            alive = _cycle()
            inner()
        assert gc.get_freeze_count() > 0  # the inner context leaves it to the outer one
        outer()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert alive() is None


def test_held_objects_does_not_freeze_under_an_earlier_freeze() -> None:
    # If it froze too, unfreezing would also unfreeze the caller's objects, and not
    # unfreezing would keep our reference cycles for ever (the build's graph is one).
    gc.unfreeze()
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with held_objects() as stage_done:
            alive = _cycle()
            stage_done()
            assert gc.get_freeze_count() == before
        assert gc.get_freeze_count() == before
        gc.collect()
        assert alive() is None
    finally:
        gc.unfreeze()
