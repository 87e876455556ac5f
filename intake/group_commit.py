"""Group commit: concurrent requests hand in one row each, and one of them writes them all.

A durable write costs mostly per statement (parse, plan, commit, round trip), hardly per row, so
the webhook requests that arrive while a write is under way are written together by the next one.
There is no writer thread and no waiting for company: a request that finds nobody writing writes
at once, alone if need be; everyone else waits for the write that carries their row, then answers.
Nothing is acknowledged before its own batch committed, so the 2xx promise is unchanged.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from django.db import close_old_connections

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
        outcomes = write_batch(self._write, [entry.item for entry in batch])
        if all(error is None for _result, error in outcomes):
            self.batches += 1
            self.rows += len(batch)
        for entry, (result, error) in zip(batch, outcomes, strict=True):
            entry.result, entry.error = result, error


def write_batch(write: Callable[[Sequence[Item]], Sequence[Result]],
                items: Sequence[Item]) -> list[tuple[Result | None, BaseException | None]]:
    """(result, None) or (None, error) per item. One bad row must not fail its neighbours: when
    the batch is refused, each row is written alone to find it."""
    try:
        results = write(items)
    except Exception as exc:  # noqa: BLE001 - handed to the requests whose rows it concerns
        if len(items) == 1:
            return [(None, exc)]
        outcomes: list[tuple[Result | None, BaseException | None]] = []
        for item in items:
            try:
                outcomes.append((write([item])[0], None))
            except Exception as one:  # noqa: BLE001
                outcomes.append((None, one))
        return outcomes
    return [(result, None) for result in results]


class AsyncGroupCommit(Generic[Item, Result]):
    """Group commit for requests served on an event loop.

    A request hands in its row and awaits a future: no thread is held while it waits, so a burst
    costs no thread hand-overs per request. The rows handed in during one turn of the loop are
    written together by the process's one writer thread (the database drivers are blocking), and
    the rows arriving while it writes form the next batch. Each batch costs two hand-overs, loop
    to writer and back, whatever its size. Nothing is acknowledged before its batch committed.
    """

    def __init__(self, write: Callable[[Sequence[Item]], Sequence[Result]], *, max_batch: int = 64) -> None:
        self._write = write
        self._max_batch = max_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._busy = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._writer_pid = 0
        self.batches = 0
        self.rows = 0

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        if self._busy and self._loop is not loop:
            # The loop that was writing is gone (a test's asyncio.run, a restarted server): its
            # batch and waiters went with it, so this loop starts afresh.
            self._pending, self._busy = [], False
        self._loop = loop
        self._pending.append((item, future))
        if not self._busy:
            self._busy = True
            # Not at once: the other requests read in this turn of the loop join the batch.
            loop.call_soon(self._start, loop)
        return await future

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
        written = loop.run_in_executor(self._writer_thread(), self._write_in_writer, [item for item, _ in batch])
        written.add_done_callback(lambda done: self._finish(loop, batch, done))

    def _write_in_writer(self, items: list[Item]) -> list[tuple[Result | None, BaseException | None]]:
        # The writer keeps its database connection from batch to batch, as a request thread does
        # between requests: closed when broken or older than CONN_MAX_AGE.
        close_old_connections()
        return write_batch(self._write, items)

    def _finish(self, loop: asyncio.AbstractEventLoop, batch: list[tuple[Item, asyncio.Future[Result]]],
                done: asyncio.Future[list[tuple[Result | None, BaseException | None]]]) -> None:
        try:
            outcomes = done.result()
        except BaseException as exc:  # noqa: BLE001 - the writer itself broke down: every row is unwritten
            failure = RuntimeError("the write carrying this row was interrupted")
            failure.__cause__ = exc
            outcomes = [(None, failure)] * len(batch)
        written = 0
        for (_item, future), (result, error) in zip(batch, outcomes, strict=True):
            if future.done():
                continue  # its request went away (client disconnected); the row is written all the same
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)  # type: ignore[arg-type]
                written += 1
        self.batches += 1
        self.rows += written
        if self._pending:
            self._start(loop)
        else:
            self._busy = False

    def _writer_thread(self) -> ThreadPoolExecutor:
        # One per process: a worker forked from a parent that had one must start its own.
        if self._writer is None or self._writer_pid != os.getpid():
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-writer")
            self._writer_pid = os.getpid()
        return self._writer
