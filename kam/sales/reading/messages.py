"""Every sentence the reader shows a clerk, keyed by a stable reason code.

The reader returns the code alongside the German sentence, so the Django side can translate by
code later without parsing text. Templates use ``str.format`` placeholders.
"""

from __future__ import annotations

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
}


def row_reason(code: str, **params: object) -> str:
    """The German sentence for a rejected row."""
    return ROW_REASONS[code].format(**params)


def file_reason(code: str, **params: object) -> str:
    """The German sentence for a refused file."""
    return FILE_REASONS[code].format(**params)
