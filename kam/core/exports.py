"""Safe cells for CSV/XLSX exports."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(values: list) -> list:
    """Text a spreadsheet could read as a formula gets a leading apostrophe; numbers stay."""
    return [
        f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
        for value in values
    ]
