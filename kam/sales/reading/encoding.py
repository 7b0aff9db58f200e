"""Choosing the text encoding of a CSV export and proving the whole file decodes in it.

A file that is valid UTF-8 is UTF-8 (a byte order mark is honoured, also for UTF-16, which Excel
writes as "Unicode text"). A file that breaks UTF-8 after UTF-8 umlauts were already seen is a
damaged UTF-8 file and is refused. Anything else is Windows-1252, the encoding German Windows
programs write; it agrees with Latin-1 on every printable character, so Latin-1 files read the
same. Bytes that Windows-1252 leaves undefined refuse the file, naming the byte offset, and
charset-normalizer's guess of the real encoding is added as a hint.

The whole file is checked when it is opened, so the importer never stores half a file before a
broken byte turns up.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import TYPE_CHECKING

from .model import FileRefused

if TYPE_CHECKING:
    from typing_extensions import Buffer

_CHUNK = 1 << 20
_SAMPLE = 1 << 16
# Bytes that cp1252 does not define.
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


#: The bytes on which Windows-1252 and Latin-1 differ (0x80-0x9F).
_CP1252_ONLY = bytes(range(0x80, 0xA0))
#: The codec a Windows-1252 file is read with (``reading_encoding``).
FAST_CP1252 = "kam_cp1252"


class _Cp1252Decoder(codecs.IncrementalDecoder):
    """Windows-1252, decoded as Latin-1 where a piece of the file has none of the bytes on
    which the two differ (most pieces: an umlaut is the same byte in both). Latin-1's decoder
    copies the bytes; Windows-1252's looks each one up in a table: reading the lines of a
    realistic export of a million lines took 0.72-0.92 CPU s, this way 0.36-0.44. One byte is
    one character in both, so a piece never ends inside one."""

    def decode(self, data: Buffer, final: bool = False) -> str:
        piece = bytes(data)  # the same object for bytes, as TextIOWrapper hands over
        if len(piece.translate(None, _CP1252_ONLY)) == len(piece):
            return piece.decode("latin-1")
        return piece.decode("cp1252", self.errors)


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name != FAST_CP1252:
        return None
    cp1252 = codecs.lookup("cp1252")
    return codecs.CodecInfo(
        cp1252.encode,
        cp1252.decode,
        name=FAST_CP1252,
        incrementalencoder=cp1252.incrementalencoder,
        incrementaldecoder=_Cp1252Decoder,
        streamreader=cp1252.streamreader,
        streamwriter=cp1252.streamwriter,
    )


codecs.register(_find_codec)


def reading_encoding(encoding: str) -> str:
    """The codec that reads a file of ``encoding`` (one of ``detect_encoding``'s)."""
    return FAST_CP1252 if encoding == "cp1252" else encoding


def detect_encoding(path: Path) -> str:
    """``utf-8-sig``, ``utf-16``, ``utf-8`` or ``cp1252``; ``FileRefused`` if none fits."""
    with path.open("rb") as file:
        head = file.read(4)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            _check_decodes(path, encoding)
            return encoding
    bad_offset, utf8_seen = _first_utf8_error(path)
    if bad_offset is None:
        return "utf-8"
    if utf8_seen:
        raise FileRefused("undecodable", offset=bad_offset, encoding="UTF-8", hint="")
    _check_cp1252(path)
    return "cp1252"


def _first_utf8_error(path: Path) -> tuple[int | None, bool]:
    """Offset of the first byte that breaks UTF-8, and whether non-ASCII UTF-8 came before it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    non_ascii_seen = False
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad = offset - pending + exc.start
                return bad, non_ascii_seen or not chunk[: max(exc.start - pending, 0)].isascii()
            non_ascii_seen = non_ascii_seen or not chunk.isascii()
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset - len(decoder.getstate()[0]), non_ascii_seen
    return None, non_ascii_seen


def _check_cp1252(path: Path) -> None:
    offset = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            found = [i for i in map(chunk.find, _CP1252_UNDEFINED) if i >= 0]
            if found:
                bad = offset + min(found)
                raise FileRefused(
                    "undecodable", offset=bad, encoding="Windows-1252", hint=_guess_hint(path, bad)
                )
            offset += len(chunk)


def _check_decodes(path: Path, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise FileRefused(
                    "undecodable", offset=max(offset + exc.start, 0), encoding=encoding, hint=""
                ) from None
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRefused("undecodable", offset=offset, encoding=encoding, hint="") from None


def _guess_hint(path: Path, around: int) -> str:
    """charset-normalizer's guess for the bytes around a bad offset, as a clause for the message.

    Imported here, for a file that is refused: at the top it took 10 ms of every import's start.
    """
    import charset_normalizer

    with path.open("rb") as file:
        file.seek(max(around - _SAMPLE // 2, 0))
        sample = file.read(_SAMPLE)
    best = charset_normalizer.from_bytes(sample).best()
    if best is None or best.encoding in ("cp1252", "latin_1", "utf_8"):
        return ""
    return f" (vermutlich ist die Datei in {best.encoding} kodiert)"
