"""The coalescer: concurrent calls gathered into one flush, each caller with its own answer.

Threads meet through the coalescer itself (a full batch is sent at once), so no test waits
on a clock; the long linger is only a bound should a test be wrong.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from connector.batch import Coalescer, fresh_copy, holding, send_at
from connector.errors import AmbiguousWrite, Rejected

LONG = 30.0  # seconds: never reached when the batch fills


def submit_all(coalescer: Coalescer[int, str], items: Sequence[int]) -> list[Future[str]]:
    pool = ThreadPoolExecutor(max_workers=len(items))
    futures = [pool.submit(coalescer.submit, item) for item in items]
    pool.shutdown(wait=True)
    return futures


def recording(answer: Callable[[int], str | BaseException]
              ) -> tuple[list[list[int]], Callable[[Sequence[int]], list[str | BaseException]]]:
    flushes: list[list[int]] = []

    def flush(items: Sequence[int]) -> list[str | BaseException]:
        flushes.append(sorted(items))
        return [answer(item) for item in items]

    return flushes, flush


def test_a_full_batch_is_sent_once_and_each_caller_gets_its_answer() -> None:
    """Four callers of a batch of four: one flush with all four items, each answered."""
    flushes, flush = recording(lambda item: f"done {item}")
    coalescer = Coalescer(flush, capacity=4, linger=LONG)
    futures = submit_all(coalescer, [1, 2, 3, 4])
    assert flushes == [[1, 2, 3, 4]]
    assert [f.result() for f in futures] == ["done 1", "done 2", "done 3", "done 4"]


def test_an_error_reaches_only_the_caller_it_was_given_to() -> None:
    """The flush fails item 2 only: its caller raises, the others get their answers."""
    def answer(item: int) -> str | BaseException:
        return Rejected("refused") if item == 2 else "ok"

    _, flush = recording(answer)
    futures = submit_all(Coalescer(flush, capacity=3, linger=LONG), [1, 2, 3])
    assert [f.exception() is None for f in futures] == [True, False, True]
    assert isinstance(futures[1].exception(), Rejected)


def test_a_shared_error_is_raised_as_each_callers_own_copy() -> None:
    """One lost answer given to every item: each caller raises its own AmbiguousWrite,
    with the operation kept."""
    lost = AmbiguousWrite("no answer", operation="update test runs")
    _, flush = recording(lambda item: lost)
    futures = submit_all(Coalescer(flush, capacity=2, linger=LONG), [1, 2])
    first, second = (f.exception() for f in futures)
    assert isinstance(first, AmbiguousWrite) and isinstance(second, AmbiguousWrite)
    assert first is not second and first is not lost
    assert first.operation == second.operation == "update test runs"


def test_a_flush_that_raises_fails_every_caller() -> None:
    """A bug in the flush reaches every caller of the batch, not only the one sending it."""
    def flush(items: Sequence[int]) -> list[str | BaseException]:
        raise RuntimeError("broken")

    futures = submit_all(Coalescer(flush, capacity=3, linger=LONG), [1, 2, 3])
    assert all(isinstance(f.exception(), RuntimeError) for f in futures)


def test_a_lone_call_is_sent_after_the_linger() -> None:
    """A batch that does not fill is sent once its linger has passed (here none)."""
    flushes, flush = recording(lambda item: "ok")
    assert Coalescer(flush, capacity=10, linger=0.0).submit(7) == "ok"
    assert flushes == [[7]]


def test_items_beyond_capacity_open_the_next_batch() -> None:
    """Six callers with a capacity of three make two flushes of three."""
    flushes, flush = recording(lambda item: "ok")
    submit_all(Coalescer(flush, capacity=3, linger=LONG), [1, 2, 3, 4, 5, 6])
    assert sorted(len(items) for items in flushes) == [3, 3]


def test_a_caller_waiting_in_a_batch_gives_its_slot_back() -> None:
    """A thread holding the only slot waits in a batch: meanwhile another thread can take
    the slot; the waiting thread takes it again once its batch was sent."""
    slot = threading.Semaphore(1)
    flushes, flush = recording(lambda item: "ok")
    coalescer = Coalescer(flush, capacity=2, linger=LONG)
    answers: list[str] = []
    holds = threading.Event()

    def work() -> None:
        with holding(slot):
            holds.set()
            answers.append(coalescer.submit(1))

    worker = threading.Thread(target=work)
    worker.start()
    assert holds.wait(LONG)
    assert slot.acquire(timeout=LONG)  # free only while the worker waits in its batch
    assert coalescer.submit(2) == "ok"  # fills the batch
    slot.release()
    worker.join(LONG)
    assert answers == ["ok"] and flushes == [[1, 2]]


def test_fresh_copy_keeps_the_errors_attributes() -> None:
    """The copy has the same type, message and data, and names the original as its cause."""
    original = Rejected("refused", status=400, jira_messages=("bad",))
    copy = fresh_copy(original)
    assert type(copy) is Rejected and str(copy) == str(original)
    assert isinstance(copy, Rejected) and copy.jira_messages == ("bad",)
    assert copy.__cause__ is original


def test_a_batch_holds_at_least_one_item() -> None:
    """A capacity below one is refused when the coalescer is made."""
    with pytest.raises(ValueError):
        Coalescer(lambda items: [], capacity=0, linger=0.0)


@pytest.mark.parametrize("opened, joined, expected, why", [
    (0.0, 0.0, 1.0, "a lone item waits one linger"),
    (0.0, 2.5, 3.5, "each new item gives the batch another linger"),
    (0.0, 4.5, 5.0, "however many arrive, it waits `longest` from its first at most"),
])
def test_a_batch_that_is_not_full_is_sent_a_linger_after_its_latest_item(
    opened: float, joined: float, expected: float, why: str
) -> None:
    """The send time of a batch not yet full (linger 1 s, longest 5 s)."""
    assert send_at(opened, joined, linger=1.0, longest=5.0) == expected, why
