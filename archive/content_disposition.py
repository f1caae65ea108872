"""Content-Disposition headers that carry any file name (RFC 6266 with RFC 5987 `filename*`)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

# Characters a quoted header value or a file name on some system cannot hold.
UNSAFE_IN_FALLBACK = frozenset('"\\;/<>:|?*')


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """Return a header value with an ASCII fallback name and the UTF-8 name in `filename*`."""
    disposition = "inline" if inline else "attachment"
    ascii_name = ascii_fallback(filename)
    encoded = quote(filename, safe="")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"


def ascii_fallback(filename: str) -> str:
    """Replace what a latin-1 header cannot carry, keeping the extension readable."""
    folded = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    # Full-width forms fold to their ASCII twins (／ to /), so path and shell characters are
    # replaced after folding as well.
    cleaned = "".join(c if c.isprintable() and c not in UNSAFE_IN_FALLBACK else "_" for c in folded).strip()
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot:
        stem, suffix = cleaned, ""
    # A name that was all Chinese folds to punctuation and spaces; use a plain word instead.
    stem = stem.strip(" _-.")
    if not any(c.isalnum() for c in stem):
        stem = "download"
    return f"{stem}{dot}{suffix}"
