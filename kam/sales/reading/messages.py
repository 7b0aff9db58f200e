"""Every sentence the reader shows a clerk, keyed by a stable reason code.

The reader returns the code alongside the German sentence; rejections are stored with both.
`row_reason_in(language, code, stored)` shows a stored sentence in another language: it reads
the values back out of the German sentence of its code and fills the English one (a sentence
that does not match its code's German one, e.g. from an older wording, stays as stored).
Templates use ``str.format`` placeholders.
"""

from __future__ import annotations

import re

# Reasons for rejecting one row.
ROW_REASONS: dict[str, str] = {
    "missing_value": "Pflichtangabe fehlt: Die Spalte „{column}“ ist leer.",
    "field_count": (
        "Die Zeile hat {found} Felder, die Kopfzeile aber {expected}. "
        "Vermutlich fehlt ein Trennzeichen oder ein Wert enthält ein ungeschütztes Trennzeichen."
    ),
    "unclosed_quote": (
        "Ein Anführungszeichen wird nicht geschlossen: Der Datensatz reicht von Zeile {line} "
        "bis Zeile {end_line} und hat deshalb {found} statt {expected} Felder."
    ),
    "number_not_numeric": "„{value}“ in Spalte „{column}“ ist keine Zahl.",
    "number_garbled": (
        "„{value}“ in Spalte „{column}“ ist keine eindeutige Zahl "
        "(Tausender- und Dezimaltrennzeichen passen nicht zusammen)."
    ),
    "number_too_large": "Der Betrag „{value}“ in Spalte „{column}“ ist unplausibel groß.",
    "integer_invalid": "„{value}“ in Spalte „{column}“ ist keine ganze Zahl.",
    "date_impossible": "Das Datum „{value}“ in Spalte „{column}“ gibt es nicht.",
    "date_unknown_format": (
        "„{value}“ in Spalte „{column}“ ist kein Datum im Format TT.MM.JJJJ, TT.MM.JJ oder "
        "JJJJ-MM-TT."
    ),
    "date_implausible": (
        "Das Datum „{value}“ in Spalte „{column}“ ist unplausibel: Rechnungen vor 1990 oder "
        "zu weit in der Zukunft (mehr als KAM_IMPORT_MAX_FUTURE_DAYS Tage nach heute, "
        "Standard 31) werden nicht übernommen. Bitte das Datum im ERP prüfen."
    ),
    "date_out_of_range": (
        "Das Datum „{value}“ in Spalte „{column}“ liegt außerhalb des plausiblen Bereichs "
        "(1900 bis 2199)."
    ),
    "control_character": (
        "„{value}“ in Spalte „{column}“ enthält ein Steuerzeichen (z. B. ein NUL-Byte, hier als "
        "␀ gezeigt), das in keinem Export stehen kann. Bitte im ERP korrigieren."
    ),
    "currency_invalid": (
        "„{value}“ in Spalte „{column}“ ist kein Währungscode (erwartet z. B. EUR, CHF, USD)."
    ),
}

# The same reasons in English, with the same placeholders.
ROW_REASONS_EN: dict[str, str] = {
    "missing_value": "Required value missing: the column “{column}” is empty.",
    "field_count": (
        "The row has {found} fields, but the header has {expected}. "
        "Probably a delimiter is missing or a value contains an unquoted delimiter."
    ),
    "unclosed_quote": (
        "A quotation mark is never closed: the record runs from line {line} to line {end_line} "
        "and so has {found} fields instead of {expected}."
    ),
    "number_not_numeric": "“{value}” in column “{column}” is not a number.",
    "number_garbled": (
        "“{value}” in column “{column}” is not an unambiguous number "
        "(thousands and decimal separators do not fit together)."
    ),
    "number_too_large": "The amount “{value}” in column “{column}” is implausibly large.",
    "integer_invalid": "“{value}” in column “{column}” is not a whole number.",
    "date_impossible": "The date “{value}” in column “{column}” does not exist.",
    "date_unknown_format": (
        "“{value}” in column “{column}” is not a date in the format DD.MM.YYYY, DD.MM.YY or "
        "YYYY-MM-DD."
    ),
    "date_implausible": (
        "The date “{value}” in column “{column}” is implausible: invoices before 1990 or too far "
        "in the future (more than KAM_IMPORT_MAX_FUTURE_DAYS days after today, default 31) are "
        "not imported. Please check the date in the ERP."
    ),
    "date_out_of_range": (
        "The date “{value}” in column “{column}” lies outside the plausible range (1900 to 2199)."
    ),
    "control_character": (
        "“{value}” in column “{column}” contains a control character (e.g. a NUL byte, shown "
        "here as ␀) that no export can hold. Please correct it in the ERP."
    ),
    "currency_invalid": (
        "“{value}” in column “{column}” is not a currency code (expected e.g. EUR, CHF, USD)."
    ),
}

# Reasons for refusing a whole file.
FILE_REASONS: dict[str, str] = {
    "file_unreadable": "Die Datei kann nicht gelesen werden: {detail}",
    "file_empty": "Die Datei ist leer.",
    "no_header": "Die Datei enthält keine Kopfzeile mit Spaltenüberschriften.",
    "undecodable": (
        "Die Datei ist nicht einheitlich kodiert: Das Byte an Position {offset} ist in "
        "{encoding} ungültig{hint}. Bitte die Datei als UTF-8 oder Windows-1252 speichern."
    ),
    "csv_broken": "Die Datei ist ab Zeile {line} kein gültiges CSV mehr: {detail}",
    "required_column_missing": (
        "Die Pflichtspalte für {field} wurde nicht gefunden. Vorhandene Spalten: {headings}."
    ),
    "override_unknown_field": (
        "Die Zuordnung nennt das unbekannte Feld „{field}“. Bekannte Felder: {fields}."
    ),
    "override_unknown_heading": (
        "Die Zuordnung für {field} nennt die Spalte „{heading}“, die es in der Datei nicht gibt. "
        "Vorhandene Spalten: {headings}."
    ),
    "xlsx_too_big": ("Die Excel-Datei ist mit {size} MB größer als die erlaubten {limit} MB."),
    "xlsx_zip_bomb": (
        "Die Excel-Datei wird nicht geöffnet, weil sie entpackt unplausibel groß wäre ({detail})."
    ),
    "not_xlsx": (
        "Die Datei ist keine gültige Excel-Datei (XLSX). Bitte als XLSX oder CSV speichern."
    ),
    "xls_legacy": (
        "Die Datei ist im alten Excel-Format (XLS) oder kennwortgeschützt. "
        "Bitte ohne Kennwort als XLSX oder CSV speichern."
    ),
    "xlsx_unreadable": "Die Excel-Datei kann nicht gelesen werden: {detail}",
    "sheet_not_found": ("Das Tabellenblatt „{sheet}“ gibt es nicht. Vorhandene Blätter: {sheets}."),
}

FILE_REASONS_EN: dict[str, str] = {
    "file_unreadable": "The file cannot be read: {detail}",
    "file_empty": "The file is empty.",
    "no_header": "The file has no header row with column headings.",
    "undecodable": (
        "The file is not encoded consistently: the byte at position {offset} is invalid in "
        "{encoding}{hint}. Please save the file as UTF-8 or Windows-1252."
    ),
    "csv_broken": "From line {line} on the file is no longer valid CSV: {detail}",
    "required_column_missing": (
        "The required column for {field} was not found. Columns present: {headings}."
    ),
    "override_unknown_field": (
        "The mapping names the unknown field “{field}”. Known fields: {fields}."
    ),
    "override_unknown_heading": (
        "The mapping for {field} names the column “{heading}”, which the file does not have. "
        "Columns present: {headings}."
    ),
    "xlsx_too_big": "At {size} MB the Excel file is larger than the {limit} MB allowed.",
    "xlsx_zip_bomb": (
        "The Excel file is not opened because unpacked it would be implausibly large ({detail})."
    ),
    "not_xlsx": "The file is not a valid Excel file (XLSX). Please save it as XLSX or CSV.",
    "xls_legacy": (
        "The file is in the old Excel format (XLS) or protected by a password. "
        "Please save it without a password as XLSX or CSV."
    ),
    "xlsx_unreadable": "The Excel file cannot be read: {detail}",
    "sheet_not_found": "The sheet “{sheet}” does not exist. Sheets present: {sheets}.",
}

# German names of the canonical fields, used in messages and later in the mapping UI.
FIELD_LABELS: dict[str, str] = {
    "customer_number": "Kundennummer",
    "customer_name": "Kundenname",
    "invoice_number": "Rechnungsnummer",
    "line_number": "Positionsnummer",
    "invoice_date": "Rechnungsdatum",
    "product_number": "Artikelnummer",
    "product_name": "Artikelbezeichnung",
    "quantity": "Menge",
    "net_revenue": "Nettoumsatz",
    "contribution_margin": "Deckungsbeitrag",
    "cost": "Wareneinsatz",
    "currency": "Währung",
    "sales_rep": "Vertreter",
    "freight": "Frachtkosten",
    "packaging": "Verpackungskosten",
    "handling": "Sonderhandling",
}


def row_reason(code: str, **params: object) -> str:
    """The German sentence for a rejected row."""
    return ROW_REASONS[code].format(**params)


def file_reason(code: str, **params: object) -> str:
    """The German sentence for a refused file."""
    return FILE_REASONS[code].format(**params)


ROW_REASONS_BY_LANGUAGE = {"de": ROW_REASONS, "en": ROW_REASONS_EN}
_FIELD = re.compile(r"\{(\w+)\}")


def _values(template: str, text: str) -> dict[str, str] | None:
    parts, names, position = [], set(), 0
    for found in _FIELD.finditer(template):
        parts.append(re.escape(template[position : found.start()]))
        name = found[1]
        parts.append(f"(?P={name})" if name in names else f"(?P<{name}>.*?)")
        names.add(name)
        position = found.end()
    parts.append(re.escape(template[position:]))
    matched = re.fullmatch("".join(parts), text, re.DOTALL)
    return None if matched is None else matched.groupdict()


def _reason_in(by_language: dict, language: str, code: str, stored: str) -> str:
    wanted = by_language.get((language or "de")[:2])
    if wanted is None or code not in wanted:
        return stored
    for templates in by_language.values():
        values = _values(templates[code], stored) if code in templates else None
        if values is not None:
            return wanted[code].format(**values)
    return stored


def row_reason_in(language: str, code: str, stored: str) -> str:
    """The stored sentence of a rejected row in `language` (its first two letters decide)."""
    return _reason_in(ROW_REASONS_BY_LANGUAGE, language, code, stored)


FILE_REASONS_BY_LANGUAGE = {"de": FILE_REASONS, "en": FILE_REASONS_EN}


def file_reason_in(language: str, stored: str) -> str:
    """A stored refusal of a file ("name.csv: sentence" or the sentence) in `language`; its
    code is not stored, so each code's sentence is tried."""
    prefix, _colon, rest = stored.partition(": ")
    for name, sentence in (("", stored), (prefix + ": ", rest)):
        for code in FILE_REASONS:
            shown = _reason_in(FILE_REASONS_BY_LANGUAGE, language, code, sentence)
            if shown != sentence:
                return name + shown
    return stored
