"""Texts kam generated and stored in one language, shown in the reader's language.

Status-proposal reasons (and similar sentences) were stored as the text of a translatable
message, in the language active when kam wrote them (German on a German installation). To show
them in the user's language without losing what older rows say, the stored text is read back
against the message in every language kam speaks: when it matches one of them, its values are
taken out and the message is written again in the active language; a text that matches none
(edited by hand, or from a message that changed since) is shown as it was stored.

A text of several sentences from different messages is stored one sentence a line
(`lines_in_active_language`). Decimals are written with the language's separator (3,1 in German,
3.1 in English: `render`) and read back with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.formats import get_format
from django.utils.translation import gettext

#: `%(name)s`, `%(name)d`, `%(name).0f` in a message.
PLACEHOLDER = re.compile(r"%\((?P<name>\w+)\)(?P<spec>[-+ #0]*\d*(?:\.\d+)?[sdif])")
_CONVERT = {"s": str, "d": int, "i": int, "f": float}


@lru_cache(maxsize=256)
def _pattern(text: str) -> tuple[re.Pattern[str], dict[str, type]]:
    parts, types, position = [], {}, 0
    for found in PLACEHOLDER.finditer(text):
        parts.append(_literal(text[position : found.start()]))
        name = found["name"]
        if name in types:
            parts.append(f"(?P={name})")
        else:
            parts.append(f"(?P<{name}>.+?)")
            types[name] = _CONVERT[found["spec"][-1]]
        position = found.end()
    parts.append(_literal(text[position:]))
    return re.compile("".join(parts), re.DOTALL), types


def _literal(text: str) -> str:
    """The text between placeholders as a pattern; `%%` is written as one `%`."""
    return re.escape(text.replace("%%", "%"))


def _values(stored: str, message: str) -> dict | None:
    """The values that turned `message` (in any language) into `stored`, or None."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            pattern, types = _pattern(gettext(message))
            separator = get_format("DECIMAL_SEPARATOR")
        found = pattern.fullmatch(stored)
        if found is None:
            continue
        try:
            return {
                name: _number(types[name], value, separator)
                for name, value in found.groupdict().items()
            }
        except ValueError:
            continue
    return None


def _number(kind: type, value: str, separator: str):
    if kind is float:
        return float(value.replace(separator, "."))
    return kind(value)


def render(message: str, values: dict) -> str:
    """`gettext(message) % values`, decimals (`%(x).1f`) with the active language's separator."""
    return renderer(message)(values)


def renderer(message: str) -> Callable[[dict], str]:
    """`render` of one message for many values: translated and parsed once (an analysis run
    writes tens of thousands of proposal reasons), in the language active now."""
    separator = get_format("DECIMAL_SEPARATOR")
    parts: list[str | tuple[str, str, bool]] = []
    for number, piece in enumerate(gettext(message).split("%%")):
        if number:
            parts.append("%")
        position = 0
        for found in PLACEHOLDER.finditer(piece):
            parts.append(piece[position : found.start()])
            parts.append((found["name"], f"%{found['spec']}", found["spec"].endswith("f")))
            position = found.end()
        parts.append(piece[position:])

    def write(values: dict) -> str:
        texts = []
        for part in parts:
            if isinstance(part, str):
                texts.append(part)
                continue
            name, spec, decimal = part
            text = spec % values[name]
            texts.append(text.replace(".", separator) if decimal else text)
        return "".join(texts)

    return write


def in_active_language(stored: str, message: str) -> str:
    """`stored`, a text once written as `render(message, values)`, in the active language."""
    values = _values(stored, message)
    return stored if values is None else render(message, values)


def lines_in_active_language(stored: str, messages: tuple[str, ...]) -> str:
    """`stored`, one sentence a line each written from one of `messages`, in the active
    language; a line none of them wrote is kept as it is."""
    return "\n".join(_line(line, messages) for line in stored.split("\n"))


def _line(line: str, messages: tuple[str, ...]) -> str:
    for message in messages:
        values = _values(line, message)
        if values is not None:
            return render(message, values)
    return line
