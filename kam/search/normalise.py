"""The search key: names as people type them, umlaut- and case-insensitive.

"Böhm", "Boehm", "BOHM" and "bohm" have one key ("bohm"): umlauts are spelled out (ä → ae,
ß → ss), accents dropped, case folded, and then every a/o/u followed by e's loses the e's, so
that both German ways of writing an umlaut without one (ä = a = ae) meet. The same function
normalises the stored names and the query, so a name is always found by any of its spellings
(a rare false friend, "Rafael" = "Rafal", is the price).
"""

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_E_AFTER_AOU = re.compile(r"([aou])e+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
#: Longest stored word; longer words are cut (nobody types more to find a name).
WORD_MAX = 60


def search_key(text: str) -> str:
    """The normalised text: lowercase ASCII words separated by single spaces."""
    text = unicodedata.normalize("NFC", text or "").casefold().translate(_UMLAUTS)
    text = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    text = _NOT_WORD.sub(" ", text)
    return _E_AFTER_AOU.sub(r"\1", text).strip()


def search_words(text: str) -> list[str]:
    return [word[:WORD_MAX] for word in search_key(text).split()]


def compact(text: str) -> str:
    """A number without its separators: "REK-2026-00042" → "rek202600042"."""
    return search_key(text).replace(" ", "")[:WORD_MAX]


def prefix_end(prefix: str) -> str:
    """The smallest string after every string that starts with `prefix` (an index range's end);
    keys are lowercase ASCII, so the last character always has a successor."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
