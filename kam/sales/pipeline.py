"""The reading side of an import: a thread that reads, validates and sorts out the rows of a file
while the importing thread writes the previous chunk.

Python runs one thread at a time (the GIL). The database drivers release it during a statement,
so a long statement (merging a chunk, a commit) overlaps with the reader. Storing rows one by one
(executemany, COPY) releases it for every row, and a reader busy meanwhile makes each row wait
for the interpreter's switch interval: 200,000 rows took two minutes instead of a third of a
second here. The ``ReaderGate`` parks the reader while the importing thread hands rows over.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress, islice
from operator import itemgetter, ne, not_
from queue import Full, Queue
from threading import Condition, Event, Thread
from typing import Protocol

import numpy as np

from kam.sales.reading import STAGED_FIELDS, RejectedRow, SalesFile, StagedBlock
from kam.sales.spool import Spool, rows_with_marks

#: Records the reader converts between two looks at the gate (a few milliseconds of work).
READ_STEP = 1_024
#: The first chunk has 1/RAMP_START of the chunk size; each next one RAMP_GROWTH/2 times as
#: many rows as the one before, up to the chunk size. The importer takes longer for a line than
#: the reader (SQLite, 1,000,000 lines: about 8 against 5 CPU s), so while it imports one chunk
#: the reader has read the next, and neither waits long: with a first chunk of a quarter and
#: the next one whole, the importer waited for the reader 1.5-2.5 s at the start.
RAMP_START = 16
RAMP_GROWTH = 3
#: A chunk ends after the block that brings its rows this many customers not known before: their
#: numbers and names go with the chunk (SortedChunk.new_customers), 20,000 about 4 MB. The first
#: chunks of a file with 200,000 customers (10,000,000 lines) had 76,000, 38,000, 24,000: the
#: import's peak memory grew with the customers of the file.
NEW_CUSTOMERS_PER_CHUNK = 20_000
#: Seconds a thread runs before the interpreter hands the GIL to a waiting one.
SWITCH_INTERVAL = 0.001

DUPLICATE_WITH_OTHER_VALUES = (
    "Die Rechnungsposition %(key)s steht schon in Zeile %(first)s dieser Datei, dort mit "
    "anderen Werten; die erste Zeile wurde übernommen."
)

_KEY = itemgetter(0, 1)  # of a staged row: invoice number, line number
_CUSTOMER = itemgetter(2)
_DATE = STAGED_FIELDS.index("invoice_date")


def _account_month(row: tuple) -> tuple[str, str]:
    """Of a staged row: the customer number and the month of its invoice date (ISO)."""
    return _CUSTOMER(row), _month(row)


def _month(row: tuple) -> str:
    """Of a staged row: the month of its invoice date (ISO)."""
    return row[_DATE][:7]


def _last_run(staged: list[tuple], key: Callable[[tuple], object]) -> int:
    """Where the rows that share the last row's ``key`` begin, at the end of ``staged``."""
    last = key(staged[-1])
    start = len(staged) - 1
    while start and key(staged[start - 1]) == last:
        start -= 1
    return start


def _repeated(keys: list[tuple]) -> set[tuple]:
    """The keys that occur more than once: those not at the last place of their key (in C)."""
    last = dict(zip(keys, range(len(keys)), strict=True))
    return set(compress(keys, map(ne, map(last.__getitem__, keys), range(len(keys)))))


class Checkpoint(Protocol):
    """What the reader looks at between two steps (ReaderGate, reader_process.StopSign)."""

    def checkpoint(self) -> None: ...


class ReaderGate:
    """Parks the reader thread at its next step while the importing thread stores rows."""

    def __init__(self) -> None:
        self._condition = Condition()
        self._closed = False
        self._reader_busy = False

    def checkpoint(self) -> None:
        """Reader thread, between two steps: waits while the gate is closed."""
        with self._condition:
            if self._closed:
                self._reader_busy = False
                self._condition.notify_all()
                self._condition.wait_for(lambda: not self._closed)
            self._reader_busy = True

    def reader_waits(self) -> None:
        """Reader thread: it is about to block (a full queue) or has finished."""
        with self._condition:
            self._reader_busy = False
            self._condition.notify_all()

    @contextmanager
    def closed(self, timeout: float = 2.0) -> Iterator[None]:
        """Importing thread: the reader stays parked inside this block."""
        with self._condition:
            self._closed = True
            self._condition.wait_for(lambda: not self._reader_busy, timeout=timeout)
        try:
            yield
        finally:
            with self._condition:
                self._closed = False
                self._condition.notify_all()


def prefetched(chunks: Iterator, depth: int = 1, gate: ReaderGate | None = None) -> Generator:
    """Produces the chunks in a thread, ``depth`` ahead of the importing thread.

    Errors in the reader surface here, in order; when the importing side stops early (an
    error, a kill), the reader stops too instead of waiting forever with the file open.
    """
    gate = gate or ReaderGate()
    queue: Queue = Queue(maxsize=depth)
    stop = Event()
    done = object()

    def hand_over(item: tuple) -> bool:
        gate.reader_waits()
        try:
            while not stop.is_set():
                try:
                    queue.put(item, timeout=0.5)
                    return True
                except Full:
                    continue
            return False
        finally:
            gate.checkpoint()

    def read() -> None:
        try:
            gate.checkpoint()
            for chunk in chunks:
                if not hand_over((chunk, None)):
                    return
            hand_over((done, None))
        except BaseException as error:  # handed over to the importing thread
            hand_over((None, error))
        finally:
            gate.reader_waits()

    reader = Thread(target=read, daemon=True, name="kam-import-reader")
    reader.start()
    # After each statement the importing thread waits for the reader to let go of the GIL: up
    # to the switch interval (5 ms by default), dozens of times per chunk.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    try:
        while True:
            chunk, error = queue.get()
            if error is not None:
                raise error
            if chunk is done:
                return
            yield chunk
    finally:
        stop.set()
        sys.setswitchinterval(interval)
        # It may be writing a chunk still: the caller cleans up what it writes into after this.
        reader.join(timeout=30)


@dataclass
class SortedChunk:
    """A chunk as the reader hands it over: staged rows and what was sorted out of it."""

    rows: int = 0
    staged: list[tuple] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the physical line of each staged row
    # Per staged row: whether its key may have come in an earlier chunk (KeyFilter).
    repeat_candidates: list[bool] = field(default_factory=list)
    # How many of the chunk's staged rows are marked so (kept when the rows go to a spool).
    candidates: int = 0
    rejected: list[dict] = field(default_factory=list)
    duplicates: int = 0
    new_customers: dict[str, str] = field(default_factory=dict)  # number → name
    # The first and the last month ("YYYY-MM") of its staged rows' invoice dates.
    months: tuple[str, str] | None = None
    # Set when the staged rows go to a spool instead, block by block (and are dropped here):
    # the chunk's number in the spool and how many rows it has there.
    spooled: int | None = None
    spooled_rows: int = 0

    def rows_to_stage(self) -> Iterator[tuple]:
        """The staged rows with their physical lines and repeat marks (ROW_NAMES order)."""
        return rows_with_marks(self.staged, self.lines, self.repeat_candidates)


def _note_months(chunk: SortedChunk, staged: list[tuple]) -> None:
    """Widens the chunk's months to those of the staged rows (ISO dates)."""
    if not staged:
        return
    dates = list(map(itemgetter(_DATE), staged))
    first, last = min(dates)[:7], max(dates)[:7]
    if chunk.months is not None:
        first, last = min(first, chunk.months[0]), max(last, chunk.months[1])
    chunk.months = (first, last)


def _ready(chunk: SortedChunk, spool: Spool | None) -> bool:
    return spool is None or chunk.spooled is None or spool.ready(chunk.spooled)


def _when_ready(chunk: SortedChunk, spool: Spool | None) -> SortedChunk:
    if not _ready(chunk, spool):
        spool.wait()  # type: ignore[union-attr]
    return chunk


def _next_size(size: int, remaining: int, *, after: int) -> tuple[int, int]:
    """The rows the next chunk wants and how many more it may take to end where a month
    begins: half as many again as the chunk ``after`` while the chunks ramp up to ``size``,
    then ``size`` and a quarter of it, or, for the last ``2 * size`` of the ``remaining`` rows
    (0: not known), half of them, down to a quarter of ``size`` (and not more than the ramp
    has reached)."""
    grown = min(size, max(after * RAMP_GROWTH // 2, after + 1))
    if remaining <= 0 or remaining >= 2 * size:
        return grown, grown // 4
    wanted = min(grown, max(size // 4, remaining // 2, 1))
    return wanted, wanted // 4


def _ends_chunk(rows: int, wanted: int, slack: int, month_begins: bool) -> bool:
    """Whether a chunk of ``rows`` rows is cut here: once it has the rows it wants, where a
    month begins, or up to ``slack`` rows later."""
    return rows >= wanted and (month_begins or rows >= wanted + slack)


def _rows(block: StagedBlock) -> int:
    return len(block.staged) + len(block.rejected)


def _split_block(block: StagedBlock, start: int) -> tuple[StagedBlock, StagedBlock]:
    """The block's staged rows before ``start`` and from it on, each with its rejected rows."""
    cut = block.lines[start]
    before: list[RejectedRow] = []
    after: list[RejectedRow] = []
    for rejected in block.rejected:
        (before if rejected.line < cut else after).append(rejected)
    head = StagedBlock(block.lines[:start], block.staged[:start], block.names[:start], before)
    tail = StagedBlock(block.lines[start:], block.staged[start:], block.names[start:], after)
    return head, tail


def _grouped_by_customer(staged: list[tuple]) -> bool:
    """Whether each customer's rows come one after the other (an export sorted by customer;
    by number or by text alike)."""
    customers = list(map(_CUSTOMER, staged))
    runs = 1 + sum(map(ne, customers, islice(customers, 1, None)))
    return runs == len(set(customers))


def _split_at_last_account_month(block: StagedBlock) -> tuple[StagedBlock, StagedBlock | None]:
    """The block split where the rows of its last customer and month begin (else the block
    and None).

    A chunk that ends after the block would share that customer's month with the next chunk,
    which, in an export sorted by customer, brings the month's other rows: their facts would
    be recomputed from all their lines (kam.sales.facts.refresh_touched). Cut here, no
    customer's month is split between two chunks.
    """
    staged = block.staged
    if not staged or not _grouped_by_customer(staged):
        return block, None
    start = _last_run(staged, _account_month)
    if not start:
        return block, None
    return _split_block(block, start)


class KeyFilter:
    """Which natural keys a file may have brought before: a Bloom filter of fixed size.

    It never says "not before" for a key that came before; of the keys that did not, a few say
    "maybe" (two bits a key in 2**27 bits, 16 MB: about 0.02 % of a 1,000,000-line file's keys,
    2 % of a 10,000,000-line file's). The database checks the "maybe" ones
    (kam.sales.staging.merge), so the file's keys need no memory that grows with the file.
    Its pages are touched the first time a key falls in them: at 2**29 bits, 64 MB, that took
    0.3 s of the reader for a file of 1,000,000 lines.
    """

    BITS = 27

    def __init__(self, bits: int = BITS) -> None:
        self._bits = np.zeros(1 << (bits - 3), dtype=np.uint8)  # pages appear as they are used
        self._shift = np.uint64(bits)
        self._mask = np.uint64((1 << bits) - 1)

    @staticmethod
    def hashes(keys: list[tuple]) -> np.ndarray:
        return np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys)).view(np.uint64)

    def check(self, hashes: np.ndarray) -> list[bool]:
        """Per key (``hashes`` of them): whether it may have been added before."""
        first, second = hashes & self._mask, (hashes >> self._shift) & self._mask
        return (self._test(first) & self._test(second)).tolist()

    def add(self, hashes: np.ndarray) -> None:
        self._set(hashes & self._mask)
        self._set((hashes >> self._shift) & self._mask)

    def _test(self, bits: np.ndarray) -> np.ndarray:
        return (self._bits[bits >> np.uint64(3)] >> (bits & np.uint64(7)).astype(np.uint8)) & 1 == 1

    def _set(self, bits: np.ndarray) -> None:
        flags = np.left_shift(np.uint8(1), (bits & np.uint64(7)).astype(np.uint8))
        np.bitwise_or.at(self._bits, bits >> np.uint64(3), flags)


class KnownCustomers:
    """The customer numbers the reader knows to have accounts, at most ``limit`` of them.

    A number not known is handed to the importer as a new customer; the importer creates only
    the accounts that do not exist (kam.sales.importer._create_accounts), so forgetting
    numbers costs a few needless lookups, never a wrong account. When full it forgets all it
    knew: a file with a million customers does not grow the import's memory by them.
    ``limit`` None: no limit (a dry run, which counts the accounts it would create from this).

    The numbers are kept in a sorted array (numpy's memory), those added lately in a set that
    joins it every ``MERGE_AT`` numbers. In a set alone, each number stayed where the reader had
    made it, among the short-lived values of its block, and kept their memory from going back:
    a file with 200,000 customers grew the reader by 100 MB, 600 bytes a customer.
    """

    LIMIT = 250_000  # 1-2 MB of numbers a 100,000
    MERGE_AT = 16_384

    def __init__(self, numbers: Iterable[str] = (), *, limit: int | None = LIMIT) -> None:
        self.limit = limit
        self._recent: set[str] = set()
        self._sorted = np.unique(np.array(list(islice(numbers, limit)), dtype=str))

    def __contains__(self, number: object) -> bool:
        return number in self._recent or (isinstance(number, str) and bool(self._stored([number])))

    def __len__(self) -> int:
        return len(self._recent) + len(self._sorted)

    def unknown(self, numbers: Iterable[str]) -> set[str]:
        numbers = set(numbers).difference(self._recent)
        return numbers.difference(self._stored(list(numbers))) if numbers else numbers

    def _stored(self, numbers: list[str]) -> list[str]:
        """Those of the numbers in the sorted array."""
        if not len(self._sorted):
            return []
        wanted = np.array(numbers, dtype=str)
        at = np.minimum(np.searchsorted(self._sorted, wanted), len(self._sorted) - 1)
        return list(compress(numbers, (self._sorted[at] == wanted).tolist()))

    def add(self, numbers: set[str]) -> None:
        if self.limit is not None and len(self) + len(numbers) > self.limit:
            self._recent, self._sorted = set(), self._sorted[:0]
        self._recent |= numbers
        if len(self._recent) >= self.MERGE_AT:
            recent = np.array(list(self._recent), dtype=str)
            self._sorted, self._recent = np.union1d(self._sorted, recent), set()


class RowSorter:
    """Sorts out one file's staged rows (STAGED_FIELDS order, see kam.sales.reading).

    Keeps the first row of every natural key: a later row with the same values is a duplicate,
    one with other values is rejected. Notes customers not seen before, with their names.

    The keys are kept for one chunk only (``whole_file`` False): a key that repeats in a later
    chunk is marked by a KeyFilter as a candidate, and the database sorts it out
    (kam.sales.staging.merge). ``whole_file`` keeps all keys of the file in memory: for a dry
    run, which stores no lines to find the earlier ones in.
    """

    def __init__(
        self,
        file_name: str,
        known_customers: KnownCustomers | set[str],
        *,
        whole_file: bool = False,
    ) -> None:
        self.file_name = file_name
        if isinstance(known_customers, set):
            known_customers = KnownCustomers(known_customers, limit=None)
        self.known_customers = known_customers
        self.whole_file = whole_file
        # Of every key kept: its place in the two lists, the first row's line and a hash of
        # its values. (As a tuple of both in the dict: 0.35 CPU s more a million lines.)
        self.seen: dict[tuple[str, int], int] = {}
        self._first_lines: list[int] = []
        self._fingerprints: list[int] = []
        self.key_filter = None if whole_file else KeyFilter()
        self.chunks_spooled = 0
        self._chunk_hashes: list[np.ndarray] = []  # of the keys of the chunk being sorted
        self._month: str | None = None  # of the last row sorted

    def chunks(
        self,
        sales_file: SalesFile,
        size: int,
        gate: Checkpoint | None = None,
        spool: Spool | None = None,
        *,
        expected_rows: int = 0,
        ramp: bool = True,
    ) -> Iterator[SortedChunk]:
        """Chunks of about ``size`` rows, cut where a new month begins if that comes soon. The
        first ones are smaller (RAMP): the database starts working sooner, and while it imports
        a chunk the reader reads the next, half as large again, in about the same time.

        Exports sorted by date then start each chunk with a month the facts do not have yet:
        a month split between two chunks is summed up again from all its lines by the second.
        An export sorted by customer is cut where a customer's month ends, for the same reason.
        A chunk also ends after the block that brings it NEW_CUSTOMERS_PER_CHUNK new customers.

        ``expected_rows``: about how many rows the file has at most (0: not known). The last
        chunks then get smaller, down to a quarter of ``size``: what the importer still has to
        do once the reader is done (its last chunk) takes a quarter of the time.

        ``ramp`` False: the first chunk has a quarter of ``size`` rows, the next ones ``size``
        (PostgreSQL: each chunk costs the importing server a pass over the months it shares with
        the stored lines and its own statements; ramped, the realistic export took 17.8 instead
        of 13.9 s and the next one, overlapping two months, 8.0 instead of 5.1 s).
        """
        chunk = self._start(spool)
        wanted = max(size // (RAMP_START if ramp else 4), 1)
        slack = wanted // 4
        full_seen = False  # a chunk of the full size was finished
        before = 0  # rows in the chunks finished
        # A finished chunk that the spool is still summing up (PostgreSQL, TableSpool.finish):
        # handed over once it is ready, meanwhile the next one is read.
        finished: SortedChunk | None = None
        try:
            for block in sales_file.iter_staged(min(READ_STEP, size)):
                if gate:
                    gate.checkpoint()
                block, new_month, month_begins = self._split_at_new_month(block)
                if new_month is None and _ends_chunk(
                    chunk.rows + _rows(block), wanted, slack, month_begins
                ):
                    head, new_pair = _split_at_last_account_month(block)
                    ends = _ends_chunk(chunk.rows + _rows(head), wanted, slack, month_begins)
                    if new_pair is not None and ends:
                        block, new_month = head, new_pair
                self._take(chunk, block, spool)
                if finished is not None and _ready(finished, spool):
                    yield finished
                    finished = None
                many_new = len(chunk.new_customers) >= NEW_CUSTOMERS_PER_CHUNK
                if many_new or _ends_chunk(chunk.rows, wanted, slack, month_begins):
                    if finished is not None:
                        yield _when_ready(finished, spool)
                    before += chunk.rows
                    finished = self._finish(chunk, spool)
                    if _ready(finished, spool):
                        yield finished
                        finished = None
                    chunk = self._start(spool)
                    # The chunks get smaller towards the file's end once one had the full size,
                    # or from the start when they ramp. Not ramped, a file of a chunk or two (a
                    # month's export into a database that has its history) gains nothing from a
                    # smaller tail, and on PostgreSQL each more chunk costs its own pass over
                    # shared months. Ramped, the last chunk of a file that never reached
                    # ``size`` was its largest, and the importer worked on it alone after the
                    # reader's end (SQLite, the realistic next export of 164,998 lines: 0.44
                    # of its 1.9 s).
                    full_seen = full_seen or wanted >= size
                    tail = expected_rows - before if expected_rows and (full_seen or ramp) else 0
                    wanted, slack = _next_size(size, tail, after=wanted if ramp else size)
                if new_month:
                    self._take(chunk, new_month, spool)
            if finished is not None:
                yield _when_ready(finished, spool)
                finished = None
            if chunk.rows:
                yield _when_ready(self._finish(chunk, spool), spool)
            elif spool is not None:
                # An empty table nobody takes: dropped with the spool.
                spool.finish(self.chunks_spooled)
        finally:
            # Nothing of the reader's goes on in the spool after it (what went wrong there is
            # raised above when the chunks are read to the end).
            if spool is not None:
                with contextlib.suppress(Exception):
                    spool.wait()

    def _take(self, chunk: SortedChunk, block: StagedBlock, spool: Spool | None) -> None:
        """Sorts the block's rows into the chunk (with a spool: hands them over to it)."""
        self.sort_into(chunk, block)
        _note_months(chunk, block.staged)
        if spool is not None:
            self._spool_rows(chunk, spool)

    def _split_at_new_month(
        self, block: StagedBlock
    ) -> tuple[StagedBlock, StagedBlock | None, bool]:
        """Whether a new month begins in the block (its last row's month is another than the
        one of the rows before the block), with the block split where it begins if the block
        goes from the month before straight to the new one: its rows of the month before and
        those of the new month (else the block and None).

        A chunk of an export sorted by date is cut between the two: it ends where a month
        ends, and no month's lines are split between two chunks (cut after the block, the
        new month's first rows in it had to be summed up again with the next chunk's: their
        facts recomputed from all the month's lines). Other exports are cut after the block.
        """
        staged = block.staged
        if not staged:
            return block, None, False
        month, self._month = self._month, _month(staged[-1])
        if month is None or month == self._month:
            return block, None, False
        start = _last_run(staged, _month)
        if any(_month(row) != month for row in islice(staged, start)):
            return block, None, True
        head, new = _split_block(block, start)
        return head, new, True

    def _start(self, spool: Spool | None) -> SortedChunk:
        """A new chunk; with a spool, its rows go there block by block (``spooled``)."""
        chunk = SortedChunk()
        if not self.whole_file:
            self._forget_keys()
        self._chunk_hashes = []
        if spool is not None:
            self.chunks_spooled += 1
            chunk.spooled = self.chunks_spooled
            spool.begin(chunk.spooled)
        return chunk

    def _forget_keys(self) -> None:
        self.seen, self._first_lines, self._fingerprints = {}, [], []

    def _keep_keys(
        self, keys: Iterable[tuple], lines: Iterable[int], rows: Iterable[tuple]
    ) -> None:
        """Notes the keys as kept, with their rows' lines and a hash of their values."""
        start = len(self._first_lines)
        self._first_lines += lines
        self._fingerprints += map(hash, rows)
        self.seen.update(zip(keys, range(start, len(self._first_lines)), strict=True))

    def _spool_rows(self, chunk: SortedChunk, spool: Spool) -> None:
        """Hands the chunk's rows so far to the spool: the chunk keeps none in memory."""
        if chunk.staged:
            spool.append_staged(
                self.chunks_spooled, chunk.staged, chunk.lines, chunk.repeat_candidates
            )
            chunk.staged, chunk.lines, chunk.repeat_candidates = [], [], []

    def _finish(self, chunk: SortedChunk, spool: Spool | None) -> SortedChunk:
        if self.key_filter is not None and self._chunk_hashes:
            self.key_filter.add(np.concatenate(self._chunk_hashes))
        if not self.whole_file:
            # Its keys are done with: freed now, before the chunk is handed over, they are not
            # in the collection that follows it (kam.sales.reader_process._read), which walked
            # the 200,000 keys and their first lines again: 0.5 CPU s a million lines.
            self._forget_keys()
        chunk.rejected.sort(key=itemgetter("line"))
        if spool is not None:
            chunk.spooled_rows = spool.finish(self.chunks_spooled)
        return chunk

    def sort_into(self, chunk: SortedChunk, block: StagedBlock) -> None:
        staged = block.staged
        chunk.rows += len(staged) + len(block.rejected)
        for row in block.rejected:
            self._reject(chunk, row.line, row.column, row.value, row.reason, row.code)
        self._note_customers(chunk, block)
        keys = list(map(_KEY, staged))
        candidates = self._candidates(keys)
        seen = self.seen
        # The common case, rows without repeated keys, is sorted out in C.
        unique = set(keys)
        odd = set(filter(seen.__contains__, unique))
        if len(unique) != len(keys):
            odd |= _repeated(keys)
        if True not in candidates and not odd:
            self._keep_keys(keys, block.lines, staged)
            chunk.staged += staged
            chunk.lines += block.lines
            chunk.repeat_candidates += candidates
            return
        # Only the rows of a key that repeats (or came in an earlier chunk: a candidate) are
        # looked at one by one, in file order; the others are kept as above.
        keep = [True] * len(keys)
        plain = [
            not candidate and key not in odd
            for key, candidate in zip(keys, candidates, strict=True)
        ]
        for i in compress(range(len(keys)), map(not_, plain)):
            # Every row of a key that may have come in an earlier chunk is staged: the database
            # compares them with that chunk's row, or with each other if it did not come
            # (kam.sales.staging.merge).
            if not candidates[i]:
                keep[i] = self._sort_one(chunk, block.lines[i], staged[i], keys[i])
        self._keep_keys(
            compress(keys, plain), compress(block.lines, plain), compress(staged, plain)
        )
        chunk.staged += compress(staged, keep)
        chunk.lines += compress(block.lines, keep)
        marked = list(compress(candidates, keep))
        chunk.repeat_candidates += marked
        chunk.candidates += marked.count(True)

    def _candidates(self, keys: list[tuple]) -> list[bool]:
        """Per key: whether it may have come in an earlier chunk (the chunk's own keys join
        the filter when the chunk is finished)."""
        if self.key_filter is None:
            return [False] * len(keys)
        hashes = self.key_filter.hashes(keys)
        self._chunk_hashes.append(hashes)
        return self.key_filter.check(hashes)

    def _sort_one(self, chunk: SortedChunk, line: int, values: tuple, key: tuple) -> bool:
        """Whether the row is the first of its key (kept); notes a duplicate or rejects a
        conflict."""
        first = self.seen.get(key)
        if first is None:
            self._keep_keys((key,), (line,), (values,))
            return True
        if self._fingerprints[first] == hash(values):
            chunk.duplicates += 1
        else:
            first_line = self._first_lines[first]
            reason = DUPLICATE_WITH_OTHER_VALUES % {
                "key": f"{key[0]}/{key[1]}",
                "first": first_line,
            }
            self._reject(chunk, line, None, None, reason, "duplicate_conflict")
        return False

    def _note_customers(self, chunk: SortedChunk, block: StagedBlock) -> None:
        customers = list(map(_CUSTOMER, block.staged))
        new = self.known_customers.unknown(customers)
        if not new:
            return
        self.known_customers.add(new)
        for number, name in zip(customers, block.names, strict=True):
            if number in new and number not in chunk.new_customers:
                chunk.new_customers[number] = name or number

    def _reject(self, chunk: SortedChunk, line, column, value, reason, code) -> None:
        chunk.rejected.append(
            {
                "file": self.file_name,
                "line": line,
                "column": column,
                "value": value,
                "reason": reason,
                "code": code,
            }
        )
