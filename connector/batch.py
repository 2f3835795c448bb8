"""Gathering concurrent calls into one: threads that each hand in an item wait while a batch
fills, one of them sends the whole batch, and each gets its own answer back.

A batch is sent when it holds `capacity` items, or when no item joined it for `linger`
seconds, or `longest` seconds after its first item, whichever comes first: callers that
arrive one after another (each once its other work is done) keep filling one batch, and a
lone caller waits only `linger`. The thread whose item opened the batch (its leader) sends
it, in its own thread: there is no background thread to start or stop. The `flush`
function answers each item with a result or an exception; an exception reaches only the
callers it was given to, each as its own copy (a caller's traceback never mixes with
another's).

Threads that do other work between batches may be limited to a few at a time by a slot
(`holding`): a thread waiting for its batch gives its slot back meanwhile, so that many
callers can wait in one batch while only a few work at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Flush = Callable[[Sequence[T]], Sequence[R | BaseException]]

_held = threading.local()  # the slot this thread holds, if any (`holding`)


@contextmanager
def holding(slot: threading.Semaphore) -> Iterator[None]:
    """Run the block with `slot` acquired; a wait for a batch inside the block gives the slot
    back for the time of the wait and takes it again before going on."""
    slot.acquire()
    _held.slot = slot
    try:
        yield
    finally:
        _held.slot = None
        slot.release()


@contextmanager
def _slot_lent() -> Iterator[None]:
    slot: threading.Semaphore | None = getattr(_held, "slot", None)
    if slot is None:
        yield
        return
    slot.release()
    try:
        yield
    finally:
        slot.acquire()


@dataclass
class _Batch(Generic[T, R]):
    opened: float
    joined: float  # when the latest item arrived
    items: list[T] = field(default_factory=list)
    results: Sequence[R | BaseException] = ()
    sent: threading.Event = field(default_factory=threading.Event)


def send_at(opened: float, joined: float, linger: float, longest: float) -> float:
    """When a batch that is not full is sent: `linger` after its latest item arrived,
    and `longest` after its first at the latest."""
    return min(joined + linger, opened + longest)


def fresh_copy(error: BaseException) -> BaseException:
    """A copy of `error` with its own traceback: one error raised in several threads would
    otherwise collect all their tracebacks. Attributes and message are kept."""
    kind = type(error)
    copy = kind.__new__(kind, *error.args)
    copy.__dict__.update(vars(error))
    copy.__cause__ = error
    return copy


class Coalescer(Generic[T, R]):
    """Items submitted from many threads, sent `capacity` at a time through `flush`."""

    def __init__(self, flush: Flush[T, R], *, capacity: int, linger: float,
                 longest: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 1 or linger < 0:
            raise ValueError("a batch holds at least one item and lingers no negative time")
        self._flush = flush
        self.capacity = capacity
        self.linger = linger
        self.longest = max(longest, linger)
        self._clock = clock
        self._changed = threading.Condition()
        self._open: _Batch[T, R] | None = None

    def submit(self, item: T) -> R:
        """Wait until the batch holding `item` was sent; its answer, or its exception."""
        with self._changed:
            batch, leader, now = self._open, False, self._clock()
            if batch is None:
                batch, leader = _Batch(opened=now, joined=now), True
                self._open = batch
            index = len(batch.items)
            batch.items.append(item)
            batch.joined = now
            if len(batch.items) >= self.capacity:
                self._open = None  # full: nothing more joins it
            self._changed.notify_all()  # the leader's wait starts again from now
        with _slot_lent():
            if leader:
                self._wait_and_send(batch)
            else:
                batch.sent.wait()
        result = batch.results[index]
        if isinstance(result, BaseException):
            raise fresh_copy(result)
        return result

    def _wait_and_send(self, batch: _Batch[T, R]) -> None:
        with self._changed:
            while self._open is batch:
                remaining = send_at(batch.opened, batch.joined, self.linger,
                                    self.longest) - self._clock()
                if remaining <= 0:
                    self._open = None
                    break
                self._changed.wait(remaining)
        try:
            results = self._flush(batch.items)
            if len(results) != len(batch.items):
                raise RuntimeError("a batch's flush must answer every item")
            batch.results = results
        except BaseException as exc:  # every caller must learn of it, not only the leader
            batch.results = [exc] * len(batch.items)
        finally:
            batch.sent.set()
