"""Where an import's time and memory go, stage by stage (issue #17).

Run as `python bench/profile_import.py FILE [FILE ...] [--postgres URL] [--memory]` from the
repository root. It imports the files in this process into a fresh database (SQLite in a
temporary folder, or the PostgreSQL database of ``--postgres``, dropped and made again) and
prints, per stage, the CPU seconds of the thread that ran it (the reader's stages, in the
reader process of a spooled import, and the importing thread's) and their wall seconds. On
PostgreSQL the server's own CPU is not in the CPU column; the wall column holds it. The process
CPU seconds printed are the importing process's; the reader process's are its stages'.

``--memory``: the process's resident memory at each chunk boundary, and, with
``--tracemalloc``, the Python allocations that grew most from the second chunk to the last.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAGES: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])  # cpu, wall, calls
MAIN_PID = os.getpid()
#: ``--trace``: (label, start, wall seconds) of every call of the importing process's stages.
TRACE: list[tuple[str, float, float]] | None = None
START = time.perf_counter()
_ACTIVE = threading.local()


@contextlib.contextmanager
def _stage(label: str):
    """Adds the CPU seconds of this thread and the wall seconds of the block to the stage."""
    cpu, wall = time.thread_time(), time.perf_counter()
    try:
        yield
    finally:
        stage = STAGES[label]
        stage[0] += time.thread_time() - cpu
        stage[1] += time.perf_counter() - wall
        stage[2] += 1
        if TRACE is not None and os.getpid() == MAIN_PID:
            TRACE.append((label, wall - START, time.perf_counter() - wall))


def _timed(label: str, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with _stage(label):
            return function(*args, **kwargs)

    return wrapper


def _timed_generator(label: str, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        iterator = function(*args, **kwargs)
        while True:
            try:
                with _stage(label):
                    item = next(iterator)
            except StopIteration:
                return
            yield item

    return wrapper


def instrument() -> None:
    from kam.sales import facts, importer, pipeline, reader_process, spool, staging
    from kam.sales.reading import block, csv_source

    patches = [
        (csv_source.CsvSource, "blocks", "reader: parse CSV (csv module / split)", True),
        (block.BlockConverter, "convert_staged", "reader: validate + convert", False),
        (pipeline.RowSorter, "sort_into", "reader: keys, duplicates, customers", False),
        (spool.ChunkSpool, "append", "reader: write spool (SQLite file)", False),
        (spool.ChunkSpool, "append_staged", "reader: write spool (SQLite file)", False),
        (spool.ChunkSpool, "finish", "reader: commit spool", False),
        # append_staged adds each row's line and mark, then calls append.
        (spool.TableSpool, "append_staged", "reader: COPY into spool table", False),
        (spool.TableSpool, "finish", "reader: end COPY, sums/ANALYZE", False),
        (staging, "attach_spooled", "import: attach the chunk's spool file", False),
        (staging, "load", "import: stage rows (no spool)", False),
        (staging, "build_deferred_indexes", "import: build deferred indexes (PostgreSQL)", False),
        (importer, "_create_accounts", "import: create accounts", False),
        (staging, "_match_existing", "import: match stored lines", False),
        (staging, "_sort_out_repeats", "import: repeats of earlier chunks", False),
        (staging, "_sort_out_repeats_within", "import: repeats within chunk", False),
        (staging, "_changed", "import: find corrections", False),
        (staging, "_insert_new", "import: INSERT new lines", False),
        (importer, "_update_lines", "import: store corrections", False),
        (facts, "add_new_lines", "import: facts of new months", False),
        (facts, "refresh_touched", "import: recompute touched facts", False),
        (importer, "_store_rejections", "import: store rejections", False),
        (importer._ImportRun, "_import_chunk", "import: whole chunk (incl. commit)", False),
        (reader_process, "_receive", "import: waiting for the reader process", False),
        (reader_process, "_send", "reader: hand a chunk over (waits for the importer)", False),
    ]
    for owner, name, label, generator in patches:
        original = getattr(owner, name)
        wrap = _timed_generator if generator else _timed
        setattr(owner, name, wrap(label, original))
    _bring_reader_stages(pipeline, importer)
    _count_server_cpu(spool)


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a server process on this machine (0 if unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _count_server_cpu(spool) -> None:
    """PostgreSQL on this machine: the CPU seconds of the server processes of the reader's
    connection (after each chunk) and the importing connection (when the import ends)."""
    finish = spool.TableSpool.finish

    def finish_and_count(self, number):
        rows = finish(self, number)
        pid = self._connect().info.backend_pid
        STAGES["reader: its server process (CPU so far)"] = [_backend_cpu(pid), 0.0, 1]
        return rows

    spool.TableSpool.finish = finish_and_count
    if not hasattr(spool.TableSpool, "wait"):  # sums on the reader's own connection
        return
    wait = spool.TableSpool.wait

    def wait_and_count(self):
        wait(self)
        if self._finishing_connection is not None:
            pid = self._finishing_connection.info.backend_pid
            STAGES["reader: its second server process, sums (CPU so far)"] = [
                _backend_cpu(pid),
                0.0,
                1,
            ]

    spool.TableSpool.wait = wait_and_count


class _ReaderStages:
    """The reader's stages as they are when the chunk is handed over (pickled), with what
    came after the chunk was finished (its sums)."""

    def __getstate__(self) -> dict:
        return {k: list(v) for k, v in STAGES.items() if k.startswith("reader")}

    def __setstate__(self, state: dict) -> None:
        self.stages = state


def _bring_reader_stages(pipeline, importer) -> None:
    """The reader process's stages ride along with each chunk it hands over (cumulative)."""
    finish, take = pipeline.RowSorter._finish, importer._ImportRun._import_chunk

    def finish_with_stages(self, chunk, spool):
        chunk = finish(self, chunk, spool)
        chunk.reader_stages = _ReaderStages()
        chunk.reader_pid = os.getpid()
        return chunk

    def take_with_stages(self, chunk, *args):
        if getattr(chunk, "reader_pid", MAIN_PID) != MAIN_PID:  # from a reader process
            STAGES.update(chunk.reader_stages.stages)
        return take(self, chunk, *args)

    pipeline.RowSorter._finish = finish_with_stages
    importer._ImportRun._import_chunk = take_with_stages


def watch_memory(tracing: bool) -> list:
    """Records RSS (and a tracemalloc snapshot) after every chunk."""
    import tracemalloc

    from kam.sales import importer

    if tracing:
        tracemalloc.start(8)
    marks: list = []
    original = importer._ImportRun._import_chunk

    def after_chunk(self, chunk, *args):
        result = original(self, chunk, *args)
        rss = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        snapshot = tracemalloc.take_snapshot() if tracing else None
        marks.append((self.report.rows, rss / 2**20, snapshot))
        print(f"  after {self.report.rows:>10,} rows: RSS {rss / 2**20:6.0f} MB", flush=True)
        return result

    importer._ImportRun._import_chunk = after_chunk
    return marks


def _server_pid() -> int:
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.info.backend_pid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--postgres", help="a database URL (dropped and made again)")
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--no-stages", action="store_true")
    parser.add_argument(
        "--trace", action="store_true", help="every call of the importing side's stages, in order"
    )
    args = parser.parse_args()
    global TRACE, START  # noqa: PLW0603 (set once, before the import)
    TRACE = [] if args.trace else None
    scratch = tempfile.TemporaryDirectory()
    os.environ["KAM_DATA_DIR"] = scratch.name
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    if args.postgres:
        admin, name = args.postgres.rsplit("/", 1)
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", f"{admin}/postgres", "-qc", sql], check=True)
        os.environ["DATABASE_URL"] = args.postgres
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "kam.settings.base"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not args.no_stages:
        instrument()
    marks = watch_memory(args.tracemalloc) if args.memory or args.tracemalloc else []
    from kam.sales.importer import import_sales

    for path in args.files:
        STAGES.clear()
        START = time.perf_counter()
        if TRACE is not None:
            TRACE.clear()
        server = _server_pid() if args.postgres else None
        server_cpu = _backend_cpu(server) if server else 0.0
        cpu, wall = time.process_time(), time.perf_counter()
        report, _ = import_sales(paths=[path])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if server:
            STAGES["server: importing connection (CPU)"] = [
                _backend_cpu(server) - server_cpu,
                wall,
                1,
            ]
        print(
            f"\n{path.name} ({'PostgreSQL' if args.postgres else 'SQLite'}): {report.rows:,} rows,"
            f" {report.imported:,} new, {report.unchanged:,} unchanged, {report.updated:,} "
            f"changed, {report.duplicates_in_file:,} duplicates, {len(report.rejected):,} "
            f"rejected; {wall:.1f} s wall, {cpu:.1f} CPU s (process), "
            f"{report.rows / cpu:,.0f} rows per CPU second; load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        print(
            f"  peak RSS: importing process {own.ru_maxrss / 1024:.0f} MB, reader process (the"
            f" largest child) {children.ru_maxrss / 1024:.0f} MB; "
            f"CPU of the children so far {children.ru_utime + children.ru_stime:.1f} s",
            flush=True,
        )
        if STAGES:
            print(f"  {'stage':44} {'CPU s':>7} {'wall s':>7} {'calls':>7}")
            for label, (stage_cpu, stage_wall, calls) in STAGES.items():
                print(f"  {label:44} {stage_cpu:7.2f} {stage_wall:7.2f} {calls:7}")
        for label, start, seconds in TRACE or ():
            print(f"  {start:7.2f} s  {seconds:6.2f} s  {label}")
    snapshots = [snapshot for *_, snapshot in marks if snapshot is not None]
    if len(snapshots) >= 3:
        print("  grew most from the second chunk to the last:")
        for stat in snapshots[-1].compare_to(snapshots[1], "traceback")[:8]:
            print(f"    {stat.size_diff / 2**20:+.1f} MB, {stat.count_diff:+,} blocks")
            for line in stat.traceback.format()[-6:]:
                print("      " + line)
    if args.postgres:
        from django.db import connection

        connection.close()
    scratch.cleanup()


if __name__ == "__main__":
    main()
