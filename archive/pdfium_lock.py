"""One lock for every call into PDFium in this process.

PDFium is not thread-safe: two threads calling it at the same time, even on different documents,
can corrupt memory or crash the process (pypdfium2 5 documentation, "Incompatibility with
Threading"). The server renders page images in its thread pool while uploads are read in other
threads, so every PDFium call runs under this lock. It is re-entrant, so a function holding it
may call another that takes it. Hold it for one page's work at a time, not for a whole document,
so that a long read does not stall the page viewer.
"""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.RLock()
