"""Turning post titles into URLs, and bodies into excerpts."""
import re
import unicodedata


def slugify(title):
    """'Hello, World!' -> 'hello-world'; accents are dropped: 'Café' -> 'cafe'"""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
    return text.lower()


def excerpt(body, words=30):
    """The first `words` words of body, with '...' when there are more."""
    parts = body.split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]) + "..."
