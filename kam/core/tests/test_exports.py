"""The export cells: no formula survives the CSV neutraliser, any text survives XLSX (#13.7, 8)."""

import io
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from kam.core.exports import Column, as_csv, clean_text, neutralise, xlsx

NAME = [Column("Name", lambda row: row)]

FORMULA_CHARACTERS = "=+-@"
#: Every character that a spreadsheet may read as the start of a formula: the ASCII ones and
#: each character whose compatibility form is one of them (full-width ＝ ＋ － ＠, small ﹦ ﹢ ...).
LOOKALIKES = sorted(
    {
        chr(code)
        for code in range(0x10000)
        if not 0xD800 <= code <= 0xDFFF
        and unicodedata.normalize("NFKC", chr(code))[:1] in FORMULA_CHARACTERS
    }
    | set("\u2212\t\r\n")
)


def test_the_full_width_forms_are_among_the_lookalikes():
    assert {"\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66"} <= set(LOOKALIKES)


@given(
    start=st.sampled_from(LOOKALIKES),
    padding=st.sampled_from(["", " ", "  ", "\u3000"]),
    rest=st.text(),
)
def test_a_text_starting_like_a_formula_is_neutralised(start, padding, rest):
    (cell,) = neutralise([padding + start + rest])
    assert cell.startswith("'")


@given(text=st.text())
def test_neutralising_keeps_the_text_and_never_leaves_a_formula_start(text):
    (cell,) = neutralise([text])
    first = cell.lstrip(" \u3000\u00a0")[:1]
    assert cell in (clean_text(text), "'" + clean_text(text))
    assert cell.startswith("'") or not unicodedata.normalize("NFKC", first).startswith(
        tuple(FORMULA_CHARACTERS)
    )
    assert "\x00" not in cell


@given(number=st.integers() | st.decimals(allow_nan=False, allow_infinity=False) | st.none())
def test_numbers_stay_numbers(number):
    assert neutralise([number]) == [number]


@given(text=st.text(alphabet=st.characters(codec="utf-8")))
def test_any_text_can_be_written_to_xlsx_and_csv(text):
    content = xlsx(NAME, [text], title="abc")
    sheet = load_workbook(io.BytesIO(content)).active
    cell = sheet["A2"]
    # XML reads a carriage return as a line feed; the text is otherwise kept as it is.
    expected = clean_text(text).replace("\r\n", "\n").replace("\r", "\n")
    assert (cell.value or "").replace("\r", "\n") == expected
    assert cell.data_type in ("s", "inlineStr")
    assert as_csv([[text]]).startswith(b"\xef\xbb\xbf")


def test_xlsx_keeps_a_formula_like_name_as_visible_text():
    content = xlsx(NAME, ['=HYPERLINK("http://evil")'], title="abc")
    cell = load_workbook(io.BytesIO(content)).active["A2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil")'


def test_every_xlsx_export_is_written_by_the_shared_helper():
    """A module that builds a workbook or answers with a spreadsheet itself would skip the
    formats, widths, frozen header and filter that kam.core.exports gives every file."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "exports.py"
        and any(mark in path.read_text() for mark in ("Workbook(", "spreadsheetml.sheet"))
    ]
    assert writers == []
