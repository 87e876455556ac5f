"""Group commit: concurrent requests hand in one row each, and one of them writes them all.

A durable write costs mostly per statement (parse, plan, commit, round trip), hardly per row, so
the webhook requests that arrive while a write is under way are written together by the next one.
There is no writer thread and no waiting for company: a request that finds nobody writing writes
at once, alone if need be; everyone else waits for the write that carries their row, then answers.
Nothing is acknowledged before its own batch committed, so the 2xx promise is unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Entry(Generic[Item, Result]):
    """One request's row. `wake` is held from the start and released exactly once: when it is this
    entry's turn to write, or when the write carrying its row is over. A bare lock is the cheapest
    hand-over CPython has (an Event builds a Condition and a fresh lock on every wait), and this
    runs for every webhook."""

    __slots__ = ("item", "wake", "done", "result", "error")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.wake = threading.Lock()
        self.wake.acquire()
        self.done = False
        self.result: Result | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    """`write` takes a batch and returns one result per item, in order, or raises for the batch."""

    def __init__(self, write: Callable[[Sequence[Item]], Sequence[Result]], *, max_batch: int = 64) -> None:
        self._write = write
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Entry[Item, Result]] = []
        self._busy = False
        self.batches = 0  # for tests and benchmarks: how many writes carried how many rows
        self.rows = 0

    def submit(self, item: Item) -> Result:
        entry: _Entry[Item, Result] = _Entry(item)
        with self._lock:
            self._queue.append(entry)
            lead = not self._busy
            self._busy = True
        if not lead:
            entry.wake.acquire()
            lead = not entry.done  # woken before its row was written: it is this entry's turn
        if lead:
            self._lead()  # the batch it writes starts with its own row
        if entry.error is not None:
            raise entry.error
        return entry.result  # type: ignore[return-value]

    def _lead(self) -> None:
        with self._lock:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
        try:
            self._run(batch)
        finally:
            for entry in batch:
                if entry.result is None and entry.error is None:
                    entry.error = RuntimeError("the write carrying this row was interrupted")
                entry.done = True
            with self._lock:
                successor = self._queue[0] if self._queue else None
                self._busy = successor is not None
            for entry in batch:
                entry.wake.release()
            if successor is not None:
                successor.wake.release()

    def _run(self, batch: list[_Entry[Item, Result]]) -> None:
        try:
            results = self._write([entry.item for entry in batch])
        except Exception as exc:  # noqa: BLE001 - handed to the requests whose rows it concerns
            if len(batch) == 1:
                batch[0].error = exc
                return
            # One bad row must not fail its neighbours: write each alone to find it.
            for entry in batch:
                try:
                    entry.result = self._write([entry.item])[0]
                except Exception as one:  # noqa: BLE001
                    entry.error = one
            return
        self.batches += 1
        self.rows += len(batch)
        for entry, result in zip(batch, results, strict=True):
            entry.result = result
