"""What the mapping page shows of an upload: its columns, the detected mapping and first rows.

Read once per upload and mapping and then kept in the cache: a view of the page neither
re-reads the file nor reads more of it than the rows it shows (and the few the detection of
the number format samples).
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache

from kam.sales.reading import FileRefused, open_sales_file

CACHE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Preview:
    headings: list[str]
    mapping: dict[str, str]
    encoding: str | None
    delimiter: str | None
    number_style: str
    rows: list[list[str]]


def _key(path: Path, overrides: dict[str, str] | None, rows: int) -> str:
    stat = path.stat()
    identity = json.dumps(
        [str(path), stat.st_size, stat.st_mtime_ns, overrides or {}, rows], sort_keys=True
    )
    return "sales-preview:" + hashlib.sha256(identity.encode()).hexdigest()


def upload_preview(path: str | Path, *, overrides: dict[str, str] | None, rows: int) -> Preview:
    """The upload's preview; raises FileRefused for a file that cannot be imported."""
    path = Path(path)
    try:
        key = _key(path, overrides, rows)
    except OSError:
        key = None  # open_sales_file says why the file cannot be read
    cached = cache.get(key) if key else None
    if cached is not None:
        return cached
    sales_file = open_sales_file(path, mapping_overrides=overrides, max_records=rows)
    preview = Preview(
        headings=sales_file.headings,
        mapping=sales_file.mapping,
        encoding=sales_file.encoding,
        delimiter=sales_file.delimiter,
        number_style=sales_file.number_style,
        rows=sales_file.preview(rows),
    )
    if key:
        cache.set(key, preview, CACHE_SECONDS)
    return preview


__all__ = ["FileRefused", "Preview", "upload_preview"]
