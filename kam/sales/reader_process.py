"""The reader of a spooled import in a process of its own, beside the importing process.

Python runs one thread at a time (the GIL). A reader thread that parses, converts, sorts out
and spools the rows of a file competes for it with the importing thread: in the stage profile of
1,000,000 lines into SQLite (bench/profile_import.py, issue #17) the reader's stages took 8.5 CPU
seconds and 22.6 wall seconds, the importing thread's 9.5 and 25.5, and the import used 1.3 of
the machine's 2 cores. A forked process has an interpreter of its own. The spool
(kam.sales.spool) is already the way a chunk's rows reach the database, so what crosses from the
reader process is each chunk's small remainder: its counts, rejected rows and new customers.

Forked rather than spawned: the child starts with the opened file, the row sorter and the spool
as the importing process made them, in milliseconds and without setting Django up again. It uses
none of the parent's database connections (the spool opens its own) and ends with ``os._exit``,
as every forked multiprocessing child does, so it closes none of them either.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
from collections.abc import Callable, Generator, Iterator
from multiprocessing.reduction import ForkingPickler
from typing import Any

from kam.sales.pipeline import SortedChunk

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

#: Seconds between two looks at whether the other process is still there.
POLL_SECONDS = 0.5
#: Seconds a reader told to stop has to finish its statement before it is killed.
STOP_SECONDS = 30


class ReaderStopped(Exception):  # noqa: N818 (what happened to the reader)
    """The importing side stopped: the reader process ends without a word."""


class StopSign:
    """Tells the reader process to stop at its next step (RowSorter.chunks looks at it as it
    looks at a reader thread's gate), so that it ends between two statements and leaves
    nothing half done in the spool's database, which the importing side removes after it."""

    def __init__(self, context) -> None:
        self._event = context.Event()

    def checkpoint(self) -> None:
        if self._event.is_set():
            raise ReaderStopped

    def stop(self) -> None:
        self._event.set()


def read_in_process(
    read: Callable[[StopSign], Iterator[SortedChunk]], depth: int = 1
) -> Generator[SortedChunk, None, None]:
    """Produces the chunks of ``read(stop_sign)`` in a forked process, up to ``depth`` ahead of
    the one being imported (and one more being read): the spool holds at most that many chunks
    not yet merged.

    Errors in the reader surface here, in order. When the importing side stops early (an error,
    a kill), the reader stops at its next step (killed if it has not within STOP_SECONDS);
    when the importing process dies, the reader notices and ends (its parent changes).
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    _widen(sender)
    may_send = context.Semaphore(depth)
    stop_sign = StopSign(context)
    reader = context.Process(
        target=_read,
        args=(read(stop_sign), sender, receiver, may_send, stop_sign, os.getpid()),
        name="kam-import-reader",
        daemon=True,
    )
    reader.start()
    sender.close()  # the child's end: the pipe breaks when the child is gone
    try:
        while True:
            kind, payload = _receive(receiver, reader)
            may_send.release()
            if kind == "error":
                raise payload
            if kind == "done":
                return
            yield payload
    finally:
        stop_sign.stop()
        may_send.release()  # a reader waiting to send sees the sign
        reader.join(STOP_SECONDS)
        if reader.is_alive():
            reader.kill()
            reader.join()
        receiver.close()


#: Bytes the pipe from the reader holds (Linux: 64 KB unless widened, at most
#: /proc/sys/fs/pipe-max-size, 1 MB by default, without privileges).
PIPE_BYTES = 1 << 20


def _widen(sender) -> None:
    """Lets the pipe hold a whole chunk's message where the system allows it.

    A chunk's message (its rejected rows and new customers: 100-600 KB a chunk of a realistic
    export) is more than a pipe holds by default, and the importer reads it only once it has
    merged the chunk before: the reader waited that long before it read on (PostgreSQL,
    realistic export of 1,000,000 lines: 0.95-1.42 s). A larger message still waits, as before.
    """
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is None:
        return
    with contextlib.suppress(OSError):  # more than the system allows: the size it has
        fcntl.fcntl(sender.fileno(), set_size, PIPE_BYTES)


def _receive(receiver, reader) -> tuple[str, Any]:
    while not receiver.poll(POLL_SECONDS):
        if not reader.is_alive() and not receiver.poll(0):
            raise RuntimeError(f"the import's reader process ended (exit code {reader.exitcode})")
    try:
        return receiver.recv()
    except EOFError:
        raise RuntimeError("the import's reader process ended without its chunks") from None


def _read(
    chunks: Iterator[SortedChunk], sender, receiver, may_send, stop_sign: StopSign, parent: int
) -> None:
    """The reader process: sends each chunk, then ("done", None), or ("error", exception)."""
    receiver.close()  # the parent's end
    _large_blocks_go_back()
    try:
        for chunk in chunks:
            if not _send(sender, may_send, stop_sign, parent, ("chunk", chunk)):
                return
            del chunk
            # The importer turned the collector off for the file (nothing it builds forms
            # cycles); what a chunk left in cycles is freed here, as the importer does.
            gc.collect(1)
        _send(sender, may_send, stop_sign, parent, ("done", None))
    except ReaderStopped:
        return
    except BaseException as error:  # handed over to the importing process
        _send(sender, may_send, stop_sign, parent, ("error", error))
    finally:
        _close(chunks)
        sender.close()


def _close(chunks: Iterator[SortedChunk]) -> None:
    """Ends the reading where it stopped, before the process ends: what the reader still has
    running in the spool (PostgreSQL: a thread summing a chunk up) ends first. Cut off by the
    process's end, a statement went on in the server and made its table after the importing
    side had removed the spool's."""
    close = getattr(chunks, "close", None)
    if close is not None:
        with contextlib.suppress(Exception):
            close()


#: glibc's mallopt parameter for the size from which a block gets memory of its own (mmap).
_M_MMAP_THRESHOLD = -3
#: glibc's initial value of it, kept from then on.
_MMAP_THRESHOLD = 128 * 1024


def _large_blocks_go_back() -> None:
    """glibc: blocks of 128 KB and more (a chunk's lists and dicts) get memory of their own,
    given back to the system when they are freed.

    By default glibc raises that size to the largest block freed so far, and the next chunk's
    large blocks come from the heap instead, among the small ones that stay: the reader of a
    file with 200,000 customers kept 30 MB more than that of the bench file, its peak 196
    against 170 MB; with the size fixed, 186 against 166 MB (reading alone, no database).
    Elsewhere (another C library) nothing changes.
    """
    with contextlib.suppress(OSError, AttributeError):  # the process's own C library
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)


def _send(sender, may_send, stop_sign: StopSign, parent: int, message: tuple) -> bool:
    """Waits until the importer may take one more message; False if the importer is gone or
    has stopped."""
    try:
        data = ForkingPickler.dumps(message)
    except Exception as error:  # noqa: BLE001 (an error that does not pickle: its words do)
        data = ForkingPickler.dumps(("error", RuntimeError(f"{message[1]!r}: {error}")))
    while not may_send.acquire(timeout=POLL_SECONDS):
        if os.getppid() != parent:
            return False
    try:
        stop_sign.checkpoint()
        sender.send_bytes(data)
    except (ReaderStopped, BrokenPipeError, ConnectionResetError):
        return False
    return True
