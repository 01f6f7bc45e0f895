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
