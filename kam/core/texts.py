"""Texts kam generated and stored in one language, shown in the reader's language.

Status-proposal reasons (and similar sentences) were stored as the text of a translatable
message, in the language active when kam wrote them (German on a German installation). To show
them in the user's language without losing what older rows say, the stored text is read back
against the message in every language kam speaks: when it matches one of them, its values are
taken out and the message is written again in the active language; a text that matches none
(edited by hand, or from a message that changed since) is shown as it was stored.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

#: `%(name)s`, `%(name)d`, `%(name).0f` in a message.
PLACEHOLDER = re.compile(r"%\((?P<name>\w+)\)(?P<spec>[-+ #0]*\d*(?:\.\d+)?[sdif])")
_CONVERT = {"s": str, "d": int, "i": int, "f": float}


@lru_cache(maxsize=256)
def _pattern(text: str) -> tuple[re.Pattern[str], dict[str, type]]:
    parts, types, position = [], {}, 0
    for found in PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[position : found.start()]))
        name = found["name"]
        if name in types:
            parts.append(f"(?P={name})")
        else:
            parts.append(f"(?P<{name}>.+?)")
            types[name] = _CONVERT[found["spec"][-1]]
        position = found.end()
    parts.append(re.escape(text[position:]))
    return re.compile("".join(parts), re.DOTALL), types


def _values(stored: str, message: str) -> dict | None:
    """The values that turned `message` (in any language) into `stored`, or None."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            pattern, types = _pattern(gettext(message))
        found = pattern.fullmatch(stored)
        if found is None:
            continue
        try:
            return {name: types[name](value) for name, value in found.groupdict().items()}
        except ValueError:
            continue
    return None


def in_active_language(stored: str, message: str) -> str:
    """`stored`, a text once written as `gettext(message) % values`, in the active language."""
    values = _values(stored, message)
    return stored if values is None else gettext(message) % values
