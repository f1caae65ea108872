"""Performance obligations read from contract clauses: payments, deadlines, warranty, notices.

`derive_obligations` is the entry point. The suggestions it returns are for staff to confirm.
"""

from ingest.obligations.derive import derive_obligations

__all__ = ["derive_obligations"]
