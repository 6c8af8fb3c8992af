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
    # Whether our cycle was frozen is asked of the object itself: the permanent
    # generation's size is no measure, as frozen objects other threads let go of
    # leave it at any time (a clean-clone CI run saw it shrink by two).
    gc.unfreeze()
    gc.freeze()
    try:
        with held_objects() as stage_done:
            alive = _cycle()
            stage_done()
            assert _collectable(alive)
        assert _collectable(alive)
        assert gc.get_freeze_count() > 0  # the caller's freeze is left alone
        gc.collect()
        assert alive() is None
    finally:
        gc.unfreeze()


def _collectable(ref: weakref.ref[_Thing]) -> bool:
    """Whether the object is in one of the collector's generations (not frozen)."""
    thing = ref()
    assert thing is not None
    return any(obj is thing for obj in gc.get_objects())
