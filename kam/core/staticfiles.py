"""Collected static files that match the code: `kam serve` and `kam upgrade` collect when needed.

The manifest storage answers 500 for every page whose static files were never collected, so a
fresh data directory (or one after an update) must be collected before serving. A fingerprint
of every source file (path and contents) is kept beside the collected files; when it differs,
`collectstatic` runs.
"""

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

MARKER = ".kam-static-fingerprint"


def static_fingerprint() -> str:
    digest = hashlib.sha256()
    found: dict[str, Any] = {}
    for finder in get_finders():
        for path, storage in finder.list(ignore_patterns=None):
            found.setdefault(path, storage)  # the first finder wins, as in collectstatic
    for path in sorted(found):
        digest.update(path.encode())
        with found[path].open(path) as handle:
            digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


def static_collect_if_outdated() -> bool:
    """Collects the static files when they are missing or outdated; True if it collected."""
    marker = Path(settings.STATIC_ROOT) / MARKER
    fingerprint = static_fingerprint()
    if marker.exists() and marker.read_text().strip() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    marker.write_text(fingerprint)
    return True
