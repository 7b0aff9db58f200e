"""Fills German translations into an app's catalogue from a JSON file of msgid → msgstr.

Usage: python scripts/po_fill.py kam/<app> translations.json
Plural entries take a list [singular, plural]. Entries not in the file stay as they are (a
fuzzy guess stays fuzzy, and the catalogue test fails on it until it is translated). A msgid
with a python-format placeholder writes a literal percent sign as %%, as in the .po file.
"""

import json
import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]


def fill(app: Path, translations: dict) -> list[str]:
    po = polib.pofile(str(app / "locale" / "de" / "LC_MESSAGES" / "django.po"))
    for entry in po:
        german = translations.get(entry.msgid)
        if german is None:
            continue  # a fuzzy guess of makemessages stays fuzzy until it is translated
        if isinstance(german, list):
            entry.msgstr_plural = {0: german[0], 1: german[1]}
        else:
            entry.msgstr = german
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.metadata.update(
        {
            "Language": "de",
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
            "Content-Type": "text/plain; charset=UTF-8",
        }
    )
    po.save()
    return [entry.msgid for entry in po.untranslated_entries() + po.fuzzy_entries()]


if __name__ == "__main__":
    missing = fill(Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text()))
    print("untranslated or fuzzy:", missing)
