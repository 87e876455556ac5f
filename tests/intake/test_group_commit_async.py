"""Group commit on an event loop: the rows of one turn go out together, rows arriving during a
write go out in the next batch, and every request learns what became of its own row."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from intake.group_commit import AsyncGroupCommit


class Writer:
    """Records each batch and the thread that wrote it; the first write waits for `release`."""

    def __init__(self, *, hold_first: bool = False) -> None:
        self.release = threading.Event()
        if not hold_first:
            self.release.set()
        self.calls: list[list[str]] = []
        self.threads: set[str] = set()

    def __call__(self, items: Sequence[str]) -> list[str]:
        self.calls.append(list(items))
        self.threads.add(threading.current_thread().name)
        if len(self.calls) == 1:
            assert self.release.wait(5)
        if "bad" in items:
            raise ValueError("refused row")
        if "crash" in items:
            raise SystemExit  # not an Exception: the write itself broke down
        return [f"stored {item}" for item in items]


async def _gather(group: AsyncGroupCommit[str, str], items: list[str]) -> list[object]:
    return await asyncio.gather(*(group.submit(item) for item in items), return_exceptions=True)


def test_the_rows_handed_in_during_one_turn_are_written_in_one_batch_off_the_loop() -> None:
    writer = Writer()
    group = AsyncGroupCommit(writer)
    answers = asyncio.run(_gather(group, ["a", "b", "c"]))
    assert answers == ["stored a", "stored b", "stored c"]
    assert writer.calls == [["a", "b", "c"]] and (group.batches, group.rows) == (1, 3)
    assert writer.threads == {"intake-writer_0"}  # never the loop's own thread


def test_rows_arriving_during_a_write_go_out_together_in_the_next_one() -> None:
    writer = Writer(hold_first=True)
    group = AsyncGroupCommit(writer)

    async def scenario() -> list[object]:
        first = asyncio.ensure_future(group.submit("first"))
        while not writer.calls:  # the writer has the first batch and holds it
            await asyncio.sleep(0.001)
        later = [asyncio.ensure_future(group.submit(f"r{n}")) for n in range(10)]
        await asyncio.sleep(0.01)
        assert not first.done() and not any(task.done() for task in later)  # nobody answered early
        writer.release.set()
        return await asyncio.gather(first, *later)

    answers = asyncio.run(scenario())
    assert answers == ["stored first", *(f"stored r{n}" for n in range(10))]
    assert writer.calls == [["first"], [f"r{n}" for n in range(10)]]


def test_batches_are_capped_and_the_rest_follow() -> None:
    writer = Writer()
    group = AsyncGroupCommit(writer, max_batch=4)
    answers = asyncio.run(_gather(group, [f"r{n}" for n in range(10)]))
    assert answers == [f"stored r{n}" for n in range(10)]
    assert [len(call) for call in writer.calls] == [4, 4, 2]


def test_a_refused_row_fails_alone_and_its_neighbours_are_stored() -> None:
    writer = Writer()
    group = AsyncGroupCommit(writer)
    answers = asyncio.run(_gather(group, ["a", "bad", "c"]))
    assert answers[0] == "stored a" and answers[2] == "stored c"
    assert isinstance(answers[1], ValueError)
    assert writer.calls == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]


def test_a_writer_that_breaks_down_fails_its_whole_batch_and_the_next_batch_still_goes() -> None:
    writer = Writer()
    group = AsyncGroupCommit(writer)

    async def scenario() -> tuple[list[object], str]:
        broken = await _gather(group, ["x", "crash"])
        return broken, await group.submit("after")

    broken, after = asyncio.run(scenario())
    assert all(isinstance(answer, RuntimeError) and isinstance(answer.__cause__, SystemExit) for answer in broken)
    assert after == "stored after"


def test_each_event_loop_gets_its_answers_from_the_same_writer() -> None:
    writer = Writer()
    group = AsyncGroupCommit(writer)
    for n in range(2):  # a fresh loop each time, as after a worker restart
        assert asyncio.run(group.submit(f"r{n}")) == f"stored r{n}"
    assert len(writer.threads) == 1


def test_a_loop_that_ended_during_a_write_does_not_stall_the_next_one() -> None:
    writer = Writer(hold_first=True)
    group = AsyncGroupCommit(writer)

    async def leave_mid_write() -> None:
        asyncio.ensure_future(group.submit("first"))
        while not writer.calls:
            await asyncio.sleep(0.001)

    asyncio.run(leave_mid_write())  # the loop closes while its batch is still being written
    writer.release.set()
    assert asyncio.run(asyncio.wait_for(group.submit("after"), 5)) == "stored after"
