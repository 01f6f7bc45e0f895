"""Roman numerals for the book's chapter headings."""

NUMERALS = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"),
    (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
    (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]


def to_roman(n):
    """1994 -> 'MCMXCIV'; raises ValueError outside 1..3999"""
    if not 1 <= n <= 3999:
        raise ValueError(f"no roman numeral for {n}")
    out = ""
    for value, symbol in NUMERALS:
        while n >= value:
            out += symbol
            n -= value
    return out


def from_roman(text):
    """'MCMXCIV' -> 1994"""
    values = {symbol: value for value, symbol in NUMERALS if len(symbol) == 1}
    total = 0
    for i, symbol in enumerate(text):
        value = values[symbol]
        if i + 1 < len(text) and values[text[i + 1]] > value:
            total -= value
        else:
            total += value
    return total


def chapter_heading(n, title):
    return f"Chapter {to_roman(n)}: {title}"
