"""Human-readable byte sizes for the backup tool's messages and options."""

UNITS = ["B", "K", "M", "G", "T"]


def format_size(n):
    """1536 -> '1.5K'; under 1024 it is plain bytes: 512 -> '512B'"""
    size, unit = float(n), 0
    while size >= 1024 and unit < len(UNITS) - 1:
        size /= 1024
        unit += 1
    if unit == 0:
        return f"{n}B"
    return f"{size:.1f}{UNITS[unit]}"


def parse_size(text):
    """'1.5K' -> 1536, '512' or '512B' -> 512; the inverse of format_size"""
    number, unit = text.strip().upper(), 0
    if number and number[-1] in UNITS:
        unit = UNITS.index(number[-1])
        number = number[:-1]
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"not a size: {text!r}") from None
    return int(value * 1024**unit)
