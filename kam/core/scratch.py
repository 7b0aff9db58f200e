"""Scratch folders that kam's long writes keep beside the database (an import's spool, a full
recomputation's statements) and remove when they end; what a killed process left behind, the
next one removes: at once where the process named in the folder is gone, after a day where the
name has no process id."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

#: A scratch folder without a process id in its name this old belongs to a killed process (a
#: running one removes its own when it ends).
STALE_AFTER_SECONDS = 24 * 3600


def remove_stale(folder: Path, prefix: str) -> None:
    """Removes the folders named ``prefix``… in ``folder`` that killed processes left."""
    cutoff = time.time() - STALE_AFTER_SECONDS
    for stale in folder.glob(f"{prefix}*"):
        try:
            if not stale.is_dir():
                continue
            pid = _owner_pid(stale.name, prefix)
            dead = not _process_alive(pid) if pid else stale.stat().st_mtime < cutoff
            if dead:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue


def _owner_pid(name: str, prefix: str) -> int | None:
    """The process id of a folder named <prefix><pid>-<random>, if it has one."""
    head = name[len(prefix) :].split("-", 1)
    return int(head[0]) if len(head) == 2 and head[0].isdigit() else None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a process of another user has the id
    return True
